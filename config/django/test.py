"""Settings for the test suite: the embedded default, fast hashing, deterministic CAPTCHA."""

from config.django.base import *  # noqa: F403
from config.django.base import BASE_DIR, REDIS_URL

DEBUG = False
CAPTCHA_TEST_MODE = True
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "matrix.accounts.hashers.OwaspArgon2PasswordHasher",
]
MEDIA_ROOT = BASE_DIR / "var" / "test-private"
EMAIL_BACKEND = "matrix.notifications.backends.OutboxEmailBackend"
SMS_BACKEND = "outbox"
OUTBOX_ENABLED = True
CELERY_TASK_ALWAYS_EAGER = True
# Pages change between tests' requests; tests of the page cache turn it on (tests/perf/test_pagecache.py).
PAGE_CACHE_SECONDS = 0
# The layout's kept fragments are on, as in production (the same HTML; tests that compare the templates a page
# used leave out the layout's parts, tests/accounts/test_probing.py).
LAYOUT_FRAGMENT_CACHE = True
# The cache (and so rate limits and lockouts) is the real Redis when REDIS_URL is set (CI's PostgreSQL pass), as
# in production; otherwise local memory. tests/conftest.py clears it around every test.
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix-test"}}

# The CAPTCHA library warns at import that test mode accepts its test answer; that is the point here.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "captcha.conf.settings": {"level": "CRITICAL"}}}  # noqa: F405
