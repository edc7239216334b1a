"""A complete production environment for subprocess tests of config.django.production (nothing is contacted at
start: these only need to be well-formed), and a runner for `manage.py` / `python -c` under it."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
UAT = "https://uat.mepsfpx.com.my/FPXMain"
SCRUBBED_PREFIXES = ("FPX_", "EMAIL_", "SMS_", "AWS_", "STORAGE_", "MESSAGES_", "SESSION_", "METRICS_")
SCRUBBED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "CAPTCHA_TEST_MODE", "DEBUG", "DATABASE_URL", "REDIS_URL",
            "CELERY_BROKER_URL", "PORTAL_BASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS",
            "LOG_FORMAT"}


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """Every variable config.django.production requires, with a freshly generated seller key and FPX certificate.
    An override of "" removes the variable."""
    from tests.payments.fpxkit import key_pair_make

    seller = key_pair_make(tmp_path / "keys", "seller")
    fpx = key_pair_make(tmp_path / "keys", "fpx")
    values = {
        "SECRET_KEY": "a-long-random-production-secret-key-for-the-check-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "matrix.example.gov.my",
        "DATABASE_URL": os.environ.get("PRODUCTION_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
        "REDIS_URL": os.environ.get("PRODUCTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/11"),
        "CELERY_BROKER_URL": os.environ.get("PRODUCTION_TEST_BROKER_URL", "redis://127.0.0.1:6379/12"),
        "PORTAL_BASE_URL": "https://matrix.example.gov.my",
        "FPX_SELLER_EX_ID": "EX00011982",
        "FPX_SELLER_ID": "SE00013501",
        "FPX_PRIVATE_KEY_PATH": str(seller.key_path),
        "FPX_CERT_PATHS": str(fpx.cert_path),
        "FPX_AR_URL": f"{UAT}/seller2DReceiver.jsp",
        "FPX_ENQUIRY_URL": f"{UAT}/sellerNVPTxnStatus.jsp",
        "FPX_BANKLIST_URL": f"{UAT}/RetrieveBankList",
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": "https://sms.example.gov.my/send",
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": "smtp.example.gov.my",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": "matrix-documents",
        "AWS_S3_REGION_NAME": "ap-southeast-1",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value != ""}


def clean_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in SCRUBBED and not key.startswith(SCRUBBED_PREFIXES)}
    env.update(values)
    return env


def manage(*args: str, settings_module: str = "config.django.production", **values: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env=clean_env(DJANGO_SETTINGS_MODULE=settings_module, **values))


def python(code: str, settings_module: str = "config.django.production", **values: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env=clean_env(DJANGO_SETTINGS_MODULE=settings_module,
                                                                         **values))
