"""Where documents and receipts are kept. Embedded default: private files on local disk under var/private/."""

from config.env import BASE_DIR

# Private uploads: never under STATIC_ROOT, never served directly; views stream them to their owner.
MEDIA_ROOT = BASE_DIR / "var" / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
