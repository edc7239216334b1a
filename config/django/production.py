"""Production: DEBUG off, secrets and hosts from the environment, HTTPS only, hashed static files.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. See README.md "Production".
"""

from django.core.exceptions import ImproperlyConfigured

from config.django.base import *  # noqa: F403
from config.django.base import SECRET_KEY
from config.env import env, env_bool, env_int

DEBUG = False
if not env("SECRET_KEY") or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set SECRET_KEY in the environment for production.")
if not env("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS in the environment for production.")

FPX_SIMULATOR_ENABLED = env_bool("FPX_SIMULATOR_ENABLED", False)
OUTBOX_ENABLED = False

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
