"""Issue 9 item 11: the test settings use the real Redis cache (and so Redis-backed rate limits and lockouts)
whenever REDIS_URL is set, as CI's PostgreSQL pass does; local memory otherwise."""

import os

from django.conf import settings
from django.core.cache import cache

from tests.core.production_env import python

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/11"
CODE = ("from django.conf import settings as s; from django.core.cache import cache; "
        "cache.set('matrix-cache-probe', 'here', 30); print(s.CACHES['default']['BACKEND'], "
        "cache.get('matrix-cache-probe')); cache.clear(); print(cache.get('matrix-cache-probe'))")


def test_the_test_settings_use_redis_when_redis_url_is_set():
    result = python(CODE, settings_module="config.django.test", REDIS_URL=REDIS_URL)
    lines = result.stdout.strip().splitlines()
    assert lines[-2:] == ["django.core.cache.backends.redis.RedisCache here", "None"], result.stderr


def test_the_test_settings_use_local_memory_without_redis_url():
    result = python(CODE, settings_module="config.django.test")
    assert result.stdout.strip().splitlines()[-2] == "django.core.cache.backends.locmem.LocMemCache here", result.stderr


def test_this_run_uses_redis_exactly_when_redis_url_is_set():
    expected = "redis.RedisCache" if os.environ.get("REDIS_URL") else "locmem.LocMemCache"
    assert settings.CACHES["default"]["BACKEND"] == f"django.core.cache.backends.{expected}"
    cache.set("matrix-cache-probe", 1)
    assert cache.get("matrix-cache-probe") == 1
