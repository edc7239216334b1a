"""Where sessions live. Embedded default: the database. Production with REDIS_URL: cached_db (read from Redis,
kept in the database), unless SESSION_ENGINE says otherwise (db, cache or cached_db)."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}
_choice = env("SESSION_ENGINE", "db")
if _choice not in _ENGINES:
    raise ImproperlyConfigured(f"SESSION_ENGINE must be one of {', '.join(_ENGINES)}, not {_choice!r}")
SESSION_ENGINE = _ENGINES[_choice]
