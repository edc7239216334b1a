"""Base settings: the embedded default (SQLite, tasks in-process, outbox, FPX simulator) boots from these alone.

Every value an operator may change comes from the environment (config/env.py); each integration has a small
module of its own in config/settings/.
"""

import dj_database_url

from config.env import BASE_DIR, env, env_bool, env_int, env_list
from config.settings.logging import logging_config

SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "captcha",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "django_prometheus",
    "matrix.core",
    "matrix.reference",
    "matrix.accounts",
    "matrix.notifications",
    "matrix.registrations",
    "matrix.contributions",
    "matrix.payments",
    "matrix.fpx_simulator",
    "matrix.pages",
    "matrix.backoffice",
    "matrix.reports",
    "ninja",  # django-ninja's templates and static files: the API docs without a CDN
    "matrix.api",
]

MIDDLEWARE = [
    "matrix.core.middleware.HealthzMiddleware",
    "matrix.core.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Early, so that an answer from the cache skips the rest of the chain (matrix/core/pagecache.py).
    "matrix.core.pagecache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "matrix.core.localonly.LocalOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "matrix.core.csp.CSPMiddleware",  # django-csp, with the site-wide header built once
    "matrix.accounts.middleware.SessionIdleTimeoutMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
# A refused form (expired or missing CSRF token) gets the portal's page in the person's language, with a way back.
CSRF_FAILURE_VIEW = "matrix.pages.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "matrix.core.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite by default; DATABASE_URL (e.g. postgres://user@host:5432/name) for PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,  # a connection kept across requests is checked before reuse (DB restarts)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a competing writer instead of failing at once; IMMEDIATE takes the write lock at BEGIN.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend within an hourly budget of tries per IC number from all addresses (issue 15). It answers every
    # password check itself; ModelBackend stays listed for the sessions logged in with it by name.
    "matrix.accounts.backends.LoginBudgetBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) unless these ask for more (matrix/accounts/hashers.py).
PASSWORD_ARGON2_MEMORY_KIB = env_int("PASSWORD_ARGON2_MEMORY_KIB", 19 * 1024)
PASSWORD_ARGON2_TIME_COST = env_int("PASSWORD_ARGON2_TIME_COST", 2)
PASSWORD_ARGON2_PARALLELISM = env_int("PASSWORD_ARGON2_PARALLELISM", 1)
PASSWORD_HASHERS = [
    "matrix.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "matrix.accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:mode"
LOGOUT_REDIRECT_URL = "pages:home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ms", "Bahasa Malaysia")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kuala_Lumpur"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves /static/ with DEBUG off too (`make run`): from the source folders here, from the collected,
# hashed files in production.
WHITENOISE_USE_FINDERS = True
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# Anonymous public pages kept per URL, language and Outbox link in each web process (matrix/core/pagecache.py); 0: off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60)
# The shared layout's static parts rendered once per process and language (matrix/core/templatetags/layout.py).
LAYOUT_FRAGMENT_CACHE = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# Cache: local memory by default; REDIS_URL for a shared cache (rate limits, lockouts) in production.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # One redis-py client per pool (matrix/core/cache.py): a session read is one GET, not a client build and a GET.
    CACHES = {"default": {"BACKEND": "matrix.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "matrix"}}

LOGGING = logging_config(json=env("LOG_FORMAT", "plain") == "json")

from config.settings.celery import *  # noqa: E402,F403
from config.settings.email_sms import *  # noqa: E402,F403
from config.settings.fpx import *  # noqa: E402,F403
from config.settings.observability import *  # noqa: E402,F403
from config.settings.security import *  # noqa: E402,F403
from config.settings.sessions import *  # noqa: E402,F403
from config.settings.storage import *  # noqa: E402,F403
