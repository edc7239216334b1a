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
    assert lines[-2:] == ["matrix.core.cache.RedisCache here", "None"], result.stderr


def test_the_test_settings_use_local_memory_without_redis_url():
    result = python(CODE, settings_module="config.django.test")
    assert result.stdout.strip().splitlines()[-2] == "django.core.cache.backends.locmem.LocMemCache here", result.stderr


def test_this_run_uses_redis_exactly_when_redis_url_is_set():
    expected = "matrix.core.cache.RedisCache" if os.environ.get("REDIS_URL") else (
        "django.core.cache.backends.locmem.LocMemCache")
    assert settings.CACHES["default"]["BACKEND"] == expected
    cache.set("matrix-cache-probe", 1)
    assert cache.get("matrix-cache-probe") == 1


def test_the_redis_cache_builds_one_client_per_pool():
    """matrix.core.cache: Django's Redis cache built a redis-py client for every call (most of a session read)."""
    from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

    from matrix.core.cache import RedisCache

    ours = RedisCache(REDIS_URL, {})._cache
    assert ours.get_client() is ours.get_client() is ours.get_client(write=True)
    assert ours.get_client().connection_pool is ours._get_connection_pool(False)
    django_own = DjangoRedisCache(REDIS_URL, {})._cache
    assert django_own.get_client() is not django_own.get_client()
