"""What a production deployment must configure, checked twice: config.django.production refuses to start without
it (one ImproperlyConfigured naming every missing setting), and `manage.py check --deploy` reports each one.

`production_problems` reads settings through a getter so that the same rules judge the production settings
module while it is being built and the finished django.conf.settings.
"""

import os
from collections.abc import Callable
from typing import Any

from django.core import checks

Getter = Callable[[str, Any], Any]

# The embedded default's made-up FPX seller identity (config/settings/fpx.py): never a real merchant.
FPX_PLACEHOLDER_IDS = {"FPX_SELLER_EX_ID": {"", "EX00000001"}, "FPX_SELLER_ID": {"", "SE00000001"}}
# Stable check ids: matrix.E100 + the position of the setting here.
CHECKED = ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PORTAL_BASE_URL",
           "FPX_PRIVATE_KEY_PATH", "FPX_CERT_PATHS", "FPX_SELLER_EX_ID", "FPX_SELLER_ID", "FPX_AR_URL",
           "FPX_ENQUIRY_URL", "FPX_BANKLIST_URL", "SMS_GATEWAY_URL", "EMAIL_HOST", "AWS_STORAGE_BUCKET_NAME"]
S3_BACKENDS = {"storages.backends.s3.S3Storage", "storages.backends.s3boto3.S3Boto3Storage"}


def fpx_key_problem(path: str) -> str | None:
    """Why the seller's signing key at `path` cannot be used, or None."""
    from matrix.payments.fpx import checksum

    if not path:
        return "is empty"
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        return f"{path} is missing or unreadable"
    try:
        checksum.load_private_key(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure means the key is unusable
        return f"{path} is not an unencrypted RSA private key in PEM ({exc.__class__.__name__})"
    return None


def fpx_certificates_problem(paths: list[str]) -> str | None:
    """Why FPX's certificates at `paths` cannot be used, or None."""
    from matrix.payments.fpx import checksum

    if not paths:
        return "is empty"
    for path in paths:
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            return f"{path} is missing or unreadable"
        try:
            if not checksum.load_certificates([path]):
                return f"{path} holds no PEM certificate"
        except Exception as exc:  # noqa: BLE001
            return f"{path} is not a PEM certificate ({exc.__class__.__name__})"
    return None


def production_problems(get: Getter) -> list[tuple[str, str]]:
    """(setting, what is wrong) for every required production setting that is missing or unsafe."""
    problems: list[tuple[str, str]] = []

    def need(ok: bool, setting: str, message: str) -> None:
        if not ok:
            problems.append((setting, message))

    secret = str(get("SECRET_KEY", "") or "")
    need(bool(secret) and not secret.startswith("dev-only"), "SECRET_KEY", "set a long random secret key")
    need(bool(get("ALLOWED_HOSTS", [])), "ALLOWED_HOSTS", "list the host names the portal answers to")
    engine = (get("DATABASES", {}) or {}).get("default", {}).get("ENGINE", "")
    need(engine == "django.db.backends.postgresql", "DATABASE_URL",
         "must point at PostgreSQL (postgres://user:password@host:5432/name), not SQLite")
    redis_url = str(get("REDIS_URL", "") or "")
    need(redis_url.startswith(("redis://", "rediss://", "unix://")), "REDIS_URL",
         "set the Redis shared by every app host (cache, sessions, rate limits, lockouts)")
    need(bool(get("CELERY_BROKER_URL", "")), "CELERY_BROKER_URL",
         "set the Celery broker (e.g. redis://host:6379/1): without it tasks would run inside requests")
    need(str(get("PORTAL_BASE_URL", "") or "").startswith("https://"), "PORTAL_BASE_URL",
         "must be the portal's public https:// URL (links in emails, FPX callbacks)")

    # FPX: the seller key and certificates are needed by the simulator too (a Pay must never fail on them).
    problem = fpx_key_problem(str(get("FPX_PRIVATE_KEY_PATH", "") or ""))
    need(problem is None, "FPX_PRIVATE_KEY_PATH", f"the seller's signing key {problem}")
    problem = fpx_certificates_problem([str(path) for path in get("FPX_CERT_PATHS", []) or []])
    need(problem is None, "FPX_CERT_PATHS", f"FPX's certificate {problem}")
    if not get("FPX_SIMULATOR_ENABLED", False):
        for setting, placeholders in FPX_PLACEHOLDER_IDS.items():
            need(str(get(setting, "") or "") not in placeholders, setting,
                 "set the id PayNet gave you (or FPX_SIMULATOR_ENABLED=1 for a demonstration)")
        for setting in ("FPX_AR_URL", "FPX_ENQUIRY_URL", "FPX_BANKLIST_URL"):
            need(str(get(setting, "") or "").startswith("https://"), setting,
                 "set PayNet's https endpoint (or FPX_SIMULATOR_ENABLED=1 for a demonstration)")

    if not get("MESSAGES_OUTBOX", False):
        need(get("SMS_BACKEND", "") == "http" and bool(get("SMS_GATEWAY_URL", "")), "SMS_GATEWAY_URL",
             "set SMS_BACKEND=http and SMS_GATEWAY_URL (or MESSAGES_OUTBOX=1 to keep messages in the outbox)")
        smtp = get("EMAIL_BACKEND", "") == "django.core.mail.backends.smtp.EmailBackend"
        need(smtp and bool(get("EMAIL_HOST", "")), "EMAIL_HOST",
             "set EMAIL_BACKEND=smtp and EMAIL_HOST (or MESSAGES_OUTBOX=1 to keep messages in the outbox)")

    if not get("STORAGE_LOCAL_ALLOWED", False):
        default = ((get("STORAGES", {}) or {}).get("default", {}) or {})
        bucket = (default.get("OPTIONS", {}) or {}).get("bucket_name") or get("AWS_STORAGE_BUCKET_NAME", "")
        need(default.get("BACKEND") in S3_BACKENDS and bool(bucket), "AWS_STORAGE_BUCKET_NAME",
             "set STORAGE_BACKEND=s3 and AWS_STORAGE_BUCKET_NAME so every app host sees the same documents "
             "(or STORAGE_BACKEND=local explicitly for a single host)")
    return problems


def production_problems_message(problems: list[tuple[str, str]]) -> str:
    lines = [f"  {setting}: {message}" for setting, message in problems]
    return "Unsafe or incomplete production settings:\n" + "\n".join(lines)


@checks.register(checks.Tags.security, deploy=True)
def production_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: one error per missing or unsafe production setting, named in the message."""
    from django.conf import settings

    problems = production_problems(lambda name, default: getattr(settings, name, default))
    return [checks.Error(message, id=f"matrix.E{100 + CHECKED.index(setting):03d}", obj=setting)
            for setting, message in problems]


@checks.register()
def fpx_development_keys_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The embedded default signs with generated keys: say how to make them when they are missing."""
    from django.conf import settings

    if not getattr(settings, "FPX_SIMULATOR_ENABLED", False):
        return []
    problem = fpx_key_problem(str(settings.FPX_PRIVATE_KEY_PATH)) or fpx_certificates_problem(
        [str(path) for path in settings.FPX_CERT_PATHS])
    if problem is None:
        return []
    return [checks.Warning(f"FPX development keys: {problem}.", hint="Run `python manage.py fpx_keys`.",
                           id="matrix.W001")]
