"""Production: DEBUG off, everything from the environment, HTTPS only, hashed static files.

It refuses to start (one ImproperlyConfigured naming every missing or unsafe setting) without PostgreSQL, Redis, a
Celery broker, an https PORTAL_BASE_URL, PayNet's FPX settings (unless FPX_SIMULATOR_ENABLED=1), an SMS gateway
and SMTP (unless MESSAGES_OUTBOX=1) and S3 object storage (unless STORAGE_BACKEND=local). The same rules are
deploy checks (matrix/core/checks.py), so `manage.py check --deploy` names them too. See README.md.
"""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.django.base import DATABASES, REDIS_URL
from config.env import env, env_bool, env_int, env_list
from config.settings.logging import logging_config

DEBUG = False

# The simulator, the outbox and local files are explicit choices here, never defaults.
FPX_SIMULATOR_ENABLED = env_bool("FPX_SIMULATOR_ENABLED", False)
if not FPX_SIMULATOR_ENABLED:
    # PayNet's key and certificates come from the environment, never from the development keys' folder.
    FPX_PRIVATE_KEY_PATH = env("FPX_PRIVATE_KEY_PATH")
    FPX_CERT_PATHS = env_list("FPX_CERT_PATHS")
MESSAGES_OUTBOX = env_bool("MESSAGES_OUTBOX", False)
OUTBOX_ENABLED = MESSAGES_OUTBOX
EMAIL_HOST = env("EMAIL_HOST")
STORAGE_LOCAL_ALLOWED = env("STORAGE_BACKEND") == "local"

# Persistent connections, checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Sessions are read from Redis (and kept in the database, so a Redis restart signs nobody out).
if REDIS_URL and not env("SESSION_ENGINE"):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = False

LOGGING = logging_config(json=env("LOG_FORMAT", "json") == "json")


def _refuse_unsafe_settings() -> None:
    from matrix.core.checks import production_problems, production_problems_message

    values = globals()
    problems = production_problems(lambda name, default: values.get(name, default))
    if problems:
        raise ImproperlyConfigured(production_problems_message(problems))


_refuse_unsafe_settings()
