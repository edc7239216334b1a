"""A real S3-compatible server for the tests: moto's standalone server (moto.server.ThreadedMotoServer) on a free
port chosen by the system, one fresh bucket per test, and the settings that point the default storage at it.

Use from any test module:

    from tests.s3 import moto_s3, s3_bucket, s3_storage  # noqa: F401  (pytest fixtures)

- `moto_s3` (session): the server; its value is the endpoint URL (`http://127.0.0.1:<port>`). Stopped at the end
  of the session.
- `s3_bucket`: a new, empty bucket on it (unique name), for this test only.
- `s3_storage`: points settings.STORAGES["default"] at `s3_bucket` for this test (as STORAGE_BACKEND=s3 would);
  its value has `.endpoint`, `.bucket`, `.client` (a boto3 S3 client) and `.env()` (the environment variables
  that give a subprocess the same storage).
"""

import logging
import uuid
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

from config.settings.storage import s3_storage_options

ACCESS_KEY = "matrix-test-access-key"
SECRET_KEY = "matrix-test-secret-key"
REGION = "us-east-1"


def s3_client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY)


def s3_bucket_make(endpoint: str, name: str | None = None) -> str:
    """Create a bucket (unique name unless given) on the server and return its name."""
    name = name or f"matrix-test-{uuid.uuid4().hex[:20]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


def s3_storage_config(endpoint: str, bucket: str, *, location: str = "") -> dict:
    """A STORAGES["default"] entry for the bucket, built exactly as config/settings/storage.py builds it."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(bucket_name=bucket, endpoint_url=endpoint, region_name=REGION,
                                      access_key=ACCESS_KEY, secret_key=SECRET_KEY, location=location),
    }


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    """Environment variables that configure a subprocess's default storage on the bucket."""
    return {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def s3_keys(endpoint: str, bucket: str) -> list[str]:
    paginator = s3_client(endpoint).get_paginator("list_objects_v2")
    return sorted(item["Key"] for page in paginator.paginate(Bucket=bucket) for item in page.get("Contents", ()))


@dataclass(frozen=True)
class S3Storage:
    endpoint: str
    bucket: str

    @property
    def client(self):
        return s3_client(self.endpoint)

    def keys(self) -> list[str]:
        return s3_keys(self.endpoint, self.bucket)

    def env(self) -> dict[str, str]:
        return s3_env(self.endpoint, self.bucket)

    def config(self, *, location: str = "") -> dict:
        return s3_storage_config(self.endpoint, self.bucket, location=location)


@pytest.fixture(scope="session")
def moto_s3():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(moto_s3) -> str:
    return s3_bucket_make(moto_s3)


@pytest.fixture
def s3_storage(settings, moto_s3, s3_bucket) -> S3Storage:
    storage = S3Storage(endpoint=moto_s3, bucket=s3_bucket)
    settings.STORAGES = {**settings.STORAGES, "default": storage.config()}
    settings.STORAGE_BACKEND = "s3"
    return storage
