"""Documents and drafts on S3-compatible object storage (a real moto server): what one app host writes, another
reads. Each host is its own settings context: its own local folder (as on a separate machine) and its own
storage object, sharing only the database and, with STORAGE_BACKEND=s3, the bucket."""

from contextlib import contextmanager

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from matrix.registrations.models import Document
from tests.registrations.helpers import form_data, form_files, jpeg_bytes, pdf_bytes, png_bytes
from tests.s3 import moto_s3, s3_bucket, s3_storage_config  # noqa: F401

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = FORM_URL + "check/"
LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


class Host:
    def __init__(self, *, storage: dict, media_root, user, cookies=None):
        self.storage, self.media_root = storage, media_root
        self.client = Client()
        if cookies is None:
            self.client.force_login(user)
        else:
            self.client.cookies = cookies  # the same browser, sent to another host by the load balancer

    @contextmanager
    def serving(self):
        from django.conf import settings

        with override_settings(STORAGES={**settings.STORAGES, "default": self.storage}, MEDIA_ROOT=self.media_root):
            yield self.client


@pytest.fixture
def hosts(request, tmp_path, user, moto_s3, s3_bucket):  # noqa: F811
    """Two app hosts: on the shared bucket (param "s3"), or each on its own disk (param "local", today's default)."""
    storage = s3_storage_config(moto_s3, s3_bucket) if request.param == "s3" else LOCAL
    a = Host(storage=storage, media_root=tmp_path / "host-a", user=user)
    b = Host(storage=storage, media_root=tmp_path / "host-b", user=user, cookies=a.client.cookies)
    return a, b


def _register(client):
    assert client.post(FORM_URL, {**form_data(), **form_files()})["Location"] == CHECK_URL


def _download(client, document):
    response = client.get(reverse("registrations:document_download", args=[document.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


EXPECTED = {"IDENTIFICATION_CARD": png_bytes(), "PROFESSIONAL_CERTIFICATE": pdf_bytes(), "OTHER": jpeg_bytes()}


@pytest.mark.parametrize("hosts", ["s3"], indirect=True)
def test_a_document_uploaded_through_host_a_downloads_through_host_b(hosts):
    a, b = hosts
    with a.serving() as client:
        _register(client)
        assert client.post(CHECK_URL).status_code == 302
    assert Document.objects.count() == 3
    with b.serving() as client:
        for document in Document.objects.all():
            response, body = _download(client, document)
            assert response.status_code == 200
            assert body == EXPECTED[document.kind]
            assert response["Content-Length"] == str(len(EXPECTED[document.kind]))
            assert response["Content-Type"] == document.content_type
    assert not (a.media_root / "documents").exists()  # nothing on the host's own disk


@pytest.mark.parametrize("hosts", ["s3"], indirect=True)
def test_a_draft_saved_on_host_a_continues_on_host_b(hosts):
    a, b = hosts
    with a.serving() as client:
        _register(client)
    with b.serving() as client:
        page = client.get(CHECK_URL)
        assert page.status_code == 200
        assert "mykad front.png" in page.content.decode() and "certificate.pdf" in page.content.decode()
        response = client.post(CHECK_URL)
        assert response.status_code == 302 and "/payments/" in response["Location"]
    assert Document.objects.count() == 3
    with a.serving() as client:
        for document in Document.objects.all():
            assert _download(client, document)[1] == EXPECTED[document.kind]


@pytest.mark.parametrize("hosts", ["local"], indirect=True)
def test_on_local_disk_the_second_host_has_neither_the_document_nor_the_draft(hosts):
    """What the two tests above guard against (issue 9): files on one host's disk."""
    a, b = hosts
    with a.serving() as client:
        _register(client)
    with b.serving() as client:  # the draft's files are on A's disk: B sends the person back to upload them
        assert client.get(CHECK_URL)["Location"] == FORM_URL
    with a.serving() as client:
        assert client.post(CHECK_URL).status_code == 302
    with b.serving() as client:
        assert _download(client, Document.objects.first())[0].status_code == 404
