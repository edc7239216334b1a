"""Django's Redis cache, with one redis-py client per connection pool instead of a new one per cache call.

django.core.cache.backends.redis builds a `redis.Redis` object around its pool for every get and set; that
object's constructor alone costs more CPU than the command (it is most of a session read under cached_db). The
client holds no connection of its own (the pool does, and is shared the same way), so it is built once per pool."""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
