"""Uploads are judged by their content, limited in size, stored under server-made names and streamed back only
as attachments with a safe file name."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import reverse

from matrix.registrations.models import Document
from matrix.registrations.uploads import original_name_clean, upload_check
from tests.registrations.helpers import form_data, form_files, jpeg_bytes, pdf_bytes, png_bytes, upload

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = "/self-employed/register/information-technology/check/"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize("name, content, content_type", [
    ("scan.png", png_bytes(), "image/png"),
    ("scan.jpg", jpeg_bytes(), "image/jpeg"),
    ("letter.pdf", pdf_bytes(), "application/pdf"),
    ("no-extension", png_bytes(), "image/png"),  # judged by content, not by name
])
def test_pdf_jpeg_and_png_are_accepted(name, content, content_type):
    checked = upload_check(upload(name, content))
    assert checked.content_type == content_type and checked.size == len(content)


@pytest.mark.parametrize("name, content", [
    ("x.pdf", ELF),
    ("x.pdf", WINDOWS_EXE),
    ("page.pdf", HTML),
    ("page.png", HTML),
    ("fake.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 20),  # PNG signature, not a PNG
    ("fake.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),  # JPEG magic, not a JPEG
    ("archive.pdf", b"PK\x03\x04" + b"\x00" * 100),
    ("notes.pdf", b"just some text that says %PDF-1.4 later"),
    ("image.gif", b"GIF89a" + b"\x00" * 50),
])
def test_other_content_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError) as error:
        upload_check(upload(name, content))
    assert error.value.messages == ["The selected file must be a PDF, JPEG or PNG."]


def test_oversize_and_empty_files_are_refused(settings):
    big = pdf_bytes() + b"0" * (5 * 1024 * 1024)
    with pytest.raises(ValidationError) as error:
        upload_check(upload("big.pdf", big))
    assert error.value.messages == ["The selected file must be smaller than 5 MB."]
    with pytest.raises(ValidationError) as error:
        upload_check(upload("empty.pdf", b""))
    assert error.value.messages == ["The selected file is empty."]
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError):
        upload_check(upload("small.png", png_bytes(size=(64, 64), colour=(1, 2, 3)) + b"\x00" * 100))


@pytest.mark.parametrize("raw, clean", [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\ahmad\\Desktop\\mykad.jpg", "mykad.jpg"),
    ("ssm\r\ncert\x00ificate.pdf", "ssmcertificate.pdf"),
    ("..", "document.pdf"),
    ("   ", "document.pdf"),
    (".hidden.pdf", "hidden.pdf"),
    ("résumé 2019.pdf", "résumé 2019.pdf"),
    ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
])
def test_original_names_are_sanitised(raw, clean):
    assert original_name_clean(raw, content_type="application/pdf") == clean


def _post(client, **files):
    payload = form_data()
    payload.update(form_files(other=False))
    payload.update(files)
    return client.post(FORM_URL, payload)


def _drafts_on_disk(settings):
    folder = settings.MEDIA_ROOT / "drafts"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.django_db
@pytest.mark.parametrize("name, content, message", [
    ("x.pdf", ELF, "The selected file must be a PDF, JPEG or PNG."),
    ("x.pdf", WINDOWS_EXE, "The selected file must be a PDF, JPEG or PNG."),
    ("invoice.pdf", HTML, "The selected file must be a PDF, JPEG or PNG."),
    ("big.pdf", pdf_bytes() + b"0" * (5 * 1024 * 1024), "The selected file must be smaller than 5 MB."),
])
def test_the_form_refuses_bad_files_with_a_clear_message_and_keeps_nothing(settings, user_client, name, content,
                                                                            message):
    response = _post(user_client, sector_document=upload(name, content))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert re.search(rf'<a href="#id_sector_document">(?:<span[^>]*>[^<]*</span>: )?{re.escape(message)}</a>', body)
    assert body.count(message) >= 2  # in the summary and next to the field
    # The refused file was not stored; the valid identification card was kept for the next post.
    assert len(_drafts_on_disk(settings)) == 1
    assert "Uploaded: mykad front.png" in body
    assert user_client.get(CHECK_URL)["Location"] == FORM_URL


@pytest.mark.django_db
def test_a_path_like_name_is_stored_under_a_server_name_and_downloaded_safely(settings, user_client):
    response = _post(user_client, identification_card=upload("../../etc/passwd.png", png_bytes(), "text/html"))
    assert response["Location"] == CHECK_URL
    for name in _drafts_on_disk(settings):
        assert re.fullmatch(r"[0-9]{14}-[0-9a-f]{32}", name)  # time written, then a random server name
    assert "passwd.png" in user_client.get(CHECK_URL).content.decode()
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="IDENTIFICATION_CARD")
    assert document.original_name == "passwd.png"
    assert re.fullmatch(r"documents/[0-9a-f]{32}", document.file.name)
    assert document.content_type == "image/png"  # from the content, not from what the browser claimed
    assert default_storage.path(document.file.name).startswith(str(settings.MEDIA_ROOT))
    assert _drafts_on_disk(settings) == []  # drafts are removed once submitted

    response = user_client.get(reverse("registrations:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="passwd.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == png_bytes()


@pytest.mark.django_db
def test_a_non_ascii_name_is_encoded_in_the_content_disposition(user_client):
    _post(user_client, sector_document=upload('sijil "résumé";\r\nX-Evil: 1.pdf', pdf_bytes()))
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="PROFESSIONAL_CERTIFICATE")
    response = user_client.get(reverse("registrations:document_download", args=[document.pk]))
    disposition = response["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert "X-Evil" not in response.headers or response.headers.get("X-Evil") is None


@pytest.mark.django_db
def test_a_valid_jpeg_other_document_is_kept(user_client):
    _post(user_client, other_document=upload("ssm.jpg", jpeg_bytes()))
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="OTHER")
    assert document.content_type == "image/jpeg" and document.size == len(jpeg_bytes())
