"""Where documents and draft uploads are kept (the default storage).

- STORAGE_BACKEND=local (the embedded default): private files on local disk under MEDIA_ROOT (var/private/).
  One app host only: a second host would not see the first one's files.
- STORAGE_BACKEND=s3: an S3-compatible object store (AWS S3, MinIO, Ceph, moto...) through django-storages, so
  every app host reads the same documents and drafts. Objects are private (no public ACL); they are never
  linked to: the owner-checked views stream them from the store.

Variables: AWS_STORAGE_BUCKET_NAME (required with s3), AWS_S3_ENDPOINT_URL (for a non-AWS service, e.g.
http://minio:9000), AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (left empty, boto3's usual
chain applies: instance role, ~/.aws, ...), AWS_LOCATION (a key prefix inside the bucket, default none).
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import BASE_DIR, env

STORAGE_BACKEND = env("STORAGE_BACKEND", "local").strip().lower() or "local"
if STORAGE_BACKEND not in {"local", "s3"}:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', not {STORAGE_BACKEND!r}")

# Private uploads: never under STATIC_ROOT, never served directly; views stream them to their owner.
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "var" / "private")


def s3_storage_options(*, bucket_name: str, endpoint_url: str = "", region_name: str = "", access_key: str = "",
                       secret_key: str = "", location: str = "") -> dict:
    """The OPTIONS of the S3 default storage: private objects, never overwritten, streamed by the views."""
    return {
        "bucket_name": bucket_name,
        "endpoint_url": endpoint_url or None,
        "region_name": region_name or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "location": location,
        "default_acl": "private",
        # Never used to serve (views stream), but should a URL ever be made it is signed and short-lived.
        "querystring_auth": True,
        "querystring_expire": 300,
        "signature_version": "s3v4",
        "file_overwrite": False,
        # Reading through the storage's File spools to disk above 1 MB instead of holding the object in memory.
        "max_memory_size": 1024 * 1024,
    }


if STORAGE_BACKEND == "s3":
    if not env("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket_name=env("AWS_STORAGE_BUCKET_NAME"),
            endpoint_url=env("AWS_S3_ENDPOINT_URL"),
            region_name=env("AWS_S3_REGION_NAME"),
            access_key=env("AWS_ACCESS_KEY_ID"),
            secret_key=env("AWS_SECRET_ACCESS_KEY"),
            location=env("AWS_LOCATION").strip("/"),
        ),
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
