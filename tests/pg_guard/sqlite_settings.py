"""Test settings that stay on SQLite whatever DATABASE_URL says (for the guard's engine-mismatch case)."""

from config.django.test import *  # noqa: F403
from config.django.test import BASE_DIR

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "var" / "pg-guard.sqlite3"}}
