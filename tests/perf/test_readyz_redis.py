"""/readyz pings Redis on a connection the process keeps (issue 13: a new connection per probe cost ~3 ms)."""

import os

import pytest

from matrix.core import views

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")


def test_probes_share_one_kept_connection(settings):
    settings.REDIS_URL = REDIS_URL
    views._redis_clients.pop(REDIS_URL, None)
    assert views._check_redis() == "ok"
    client = views.redis_client(REDIS_URL)
    pool = client.connection_pool
    for _ in range(5):
        assert views._check_redis() == "ok"
    assert views.redis_client(REDIS_URL) is client
    assert pool._created_connections == 1


def test_a_dead_redis_fails_the_check_and_a_later_probe_recovers(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    views._redis_clients.pop(settings.REDIS_URL, None)
    with pytest.raises(Exception):  # noqa: B017, PT011 - redis.ConnectionError, whatever redis-py calls it
        views._check_redis()
    settings.REDIS_URL = REDIS_URL
    assert views._check_redis() == "ok"
