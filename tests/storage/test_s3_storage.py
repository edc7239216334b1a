"""The default storage on S3 (a real moto server): private objects, streamed downloads, drafts purged by age."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from matrix.registrations.models import Document
from matrix.registrations.uploads import draft_file_save, draft_files_purge
from tests.registrations.helpers import form_data, form_files, png_bytes
from tests.s3 import moto_s3, s3_bucket, s3_storage  # noqa: F401

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = FORM_URL + "check/"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def test_documents_are_private_objects_in_the_bucket_and_streamed_by_the_view(s3_storage, user_client):  # noqa: F811
    user_client.post(FORM_URL, {**form_data(), **form_files()})
    assert all(key.startswith("drafts/") for key in s3_storage.keys()) and len(s3_storage.keys()) == 3
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="IDENTIFICATION_CARD")
    keys = s3_storage.keys()
    assert document.file.name in keys and len(keys) == 3
    assert not any(key.startswith("drafts/") for key in keys)  # drafts removed once submitted

    client = s3_storage.client
    for key in keys:
        grants = client.get_object_acl(Bucket=s3_storage.bucket, Key=key)["Grants"]
        assert not any(grant["Grantee"].get("URI") == ALL_USERS for grant in grants)
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only
    # Should a URL ever be made, it is signed and short-lived; the view never makes one.
    assert "X-Amz-Signature=" in default_storage.url(document.file.name)

    response = user_client.get(reverse("registrations:document_download", args=[document.pk]))
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Disposition"] == 'attachment; filename="mykad front.png"'


def test_a_document_missing_from_the_bucket_is_404(s3_storage, user_client):  # noqa: F811
    user_client.post(FORM_URL, {**form_data(), **form_files()})
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="IDENTIFICATION_CARD")
    s3_storage.client.delete_object(Bucket=s3_storage.bucket, Key=document.file.name)
    assert user_client.get(reverse("registrations:document_download", args=[document.pk])).status_code == 404


def test_another_persons_document_is_404_on_s3_too(s3_storage, user_client, other_user, client):  # noqa: F811
    user_client.post(FORM_URL, {**form_data(), **form_files()})
    user_client.post(CHECK_URL)
    document = Document.objects.first()
    client.force_login(other_user)
    assert client.get(reverse("registrations:document_download", args=[document.pk])).status_code == 404


def test_the_purge_deletes_old_drafts_on_s3_and_nothing_else(s3_storage, capsys):  # noqa: F811
    now = timezone.now()
    old = draft_file_save(ContentFile(png_bytes()), now=now - timedelta(hours=25))
    fresh = draft_file_save(ContentFile(png_bytes()), now=now - timedelta(hours=23))
    document = default_storage.save("documents/0123456789abcdef0123456789abcdef", ContentFile(png_bytes()))
    stray = default_storage.save("drafts/not-a-draft-name.txt", ContentFile(b"x"))
    assert sorted(s3_storage.keys()) == sorted([old, fresh, document, stray])

    assert draft_files_purge() == 1
    assert sorted(s3_storage.keys()) == sorted([fresh, document, stray])
    call_command("registrations_drafts_purge", "--hours", "22")
    assert "Deleted 1 abandoned draft upload(s)." in capsys.readouterr().out
    assert sorted(s3_storage.keys()) == sorted([document, stray])


def test_a_purged_draft_on_s3_reads_as_expired(s3_storage, user_client):  # noqa: F811
    user_client.post(FORM_URL, {**form_data(), **form_files()})
    assert draft_files_purge(now=timezone.now() + timedelta(days=2)) == 3
    assert s3_storage.keys() == []
    assert user_client.get(CHECK_URL)["Location"] == FORM_URL


def test_aws_location_keeps_every_object_under_its_prefix(settings, s3_storage, user_client):  # noqa: F811
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage.config(location="matrix/prod")}
    user_client.post(FORM_URL, {**form_data(), **form_files()})
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="IDENTIFICATION_CARD")
    assert document.file.name.startswith("documents/")
    assert s3_storage.keys() and all(key.startswith("matrix/prod/documents/") for key in s3_storage.keys())
    response = user_client.get(reverse("registrations:document_download", args=[document.pk]))
    assert b"".join(response.streaming_content) == png_bytes()
