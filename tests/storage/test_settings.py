"""STORAGE_BACKEND and the AWS_* variables build the default storage (config/settings/storage.py)."""

import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured

import config.settings.storage as storage_settings

VARIABLES = ["STORAGE_BACKEND", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME",
             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_LOCATION", "MEDIA_ROOT"]


@pytest.fixture
def load(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def _load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return importlib.reload(storage_settings)

    yield _load
    monkeypatch.undo()
    importlib.reload(storage_settings)


def test_the_embedded_default_is_private_files_on_local_disk(load):
    module = load()
    assert module.STORAGE_BACKEND == "local"
    assert module.STORAGES["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert module.MEDIA_ROOT.parts[-2:] == ("var", "private")
    assert load(MEDIA_ROOT="/srv/matrix/private").MEDIA_ROOT.as_posix() == "/srv/matrix/private"


def test_s3_is_a_private_bucket_at_the_given_endpoint(load):
    module = load(STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="matrix-docs", AWS_S3_ENDPOINT_URL="http://minio:9000",
                  AWS_S3_REGION_NAME="ap-southeast-1", AWS_ACCESS_KEY_ID="AK", AWS_SECRET_ACCESS_KEY="SK",
                  AWS_LOCATION="/prod/")
    default = module.STORAGES["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "matrix-docs" and options["endpoint_url"] == "http://minio:9000"
    assert options["region_name"] == "ap-southeast-1" and options["location"] == "prod"
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert options["file_overwrite"] is False and options["signature_version"] == "s3v4"


def test_s3_without_keys_leaves_them_to_boto3s_chain(load):
    options = load(STORAGE_BACKEND="S3", AWS_STORAGE_BUCKET_NAME="b").STORAGES["default"]["OPTIONS"]
    assert options["access_key"] is None and options["secret_key"] is None and options["endpoint_url"] is None


def test_s3_without_a_bucket_or_an_unknown_backend_is_refused(load):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        load(STORAGE_BACKEND="s3")
    with pytest.raises(ImproperlyConfigured, match="STORAGE_BACKEND"):
        load(STORAGE_BACKEND="gcs")
