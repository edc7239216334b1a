"""Issue 9 items 3, 7 and 8: config.django.production refuses unsafe or incomplete settings at start, naming every
one in a single message; `check --deploy` names each one too; explicit switches allow the simulator, the outbox
and local files; persistent connections and Redis-backed sessions; FPX keys are checked at boot."""

import re

import pytest

from tests.core.production_env import manage, production_env, python

CHECK = ("check", "--deploy", "--fail-level", "WARNING")

# (variable to change, its bad value, the setting the message must name)
UNSAFE = [
    ("DATABASE_URL", "sqlite:///:memory:", "DATABASE_URL"),
    ("DATABASE_URL", "", "DATABASE_URL"),
    ("REDIS_URL", "", "REDIS_URL"),
    ("CELERY_BROKER_URL", "", "CELERY_BROKER_URL"),
    ("PORTAL_BASE_URL", "", "PORTAL_BASE_URL"),
    ("PORTAL_BASE_URL", "http://matrix.example.gov.my", "PORTAL_BASE_URL"),
    ("FPX_SELLER_EX_ID", "", "FPX_SELLER_EX_ID"),
    ("FPX_SELLER_EX_ID", "EX00000001", "FPX_SELLER_EX_ID"),
    ("FPX_SELLER_ID", "SE00000001", "FPX_SELLER_ID"),
    ("FPX_PRIVATE_KEY_PATH", "/nonexistent/seller.pem", "FPX_PRIVATE_KEY_PATH"),
    ("FPX_CERT_PATHS", "/nonexistent/fpx.pem", "FPX_CERT_PATHS"),
    ("FPX_AR_URL", "", "FPX_AR_URL"),
    ("FPX_ENQUIRY_URL", "", "FPX_ENQUIRY_URL"),
    ("FPX_BANKLIST_URL", "", "FPX_BANKLIST_URL"),
    ("SMS_BACKEND", "", "SMS_GATEWAY_URL"),
    ("SMS_GATEWAY_URL", "", "SMS_GATEWAY_URL"),
    ("EMAIL_BACKEND", "", "EMAIL_HOST"),
    ("EMAIL_HOST", "", "EMAIL_HOST"),
    ("STORAGE_BACKEND", "", "AWS_STORAGE_BUCKET_NAME"),
]


def test_complete_production_settings_pass_check_deploy(tmp_path):
    result = manage(*CHECK, **production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("variable", "value", "named"), UNSAFE, ids=[f"{v}={x or 'unset'}" for v, x, _ in UNSAFE])
def test_each_missing_or_unsafe_setting_stops_the_start_and_is_named(tmp_path, variable, value, named):
    result = manage(*CHECK, **production_env(tmp_path, **{variable: value}))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    message = result.stderr[result.stderr.index("Unsafe or incomplete production settings"):]
    assert re.search(rf"^\s+{named}: ", message, flags=re.MULTILINE), message
    # Only the broken setting is named.
    assert len(re.findall(r"^  [A-Z_]+: ", message, flags=re.MULTILINE)) == 1, message


def test_every_problem_is_named_in_one_message(tmp_path):
    result = manage(*CHECK, **production_env(tmp_path, DATABASE_URL="", REDIS_URL="", CELERY_BROKER_URL="",
                                             PORTAL_BASE_URL="", FPX_AR_URL="", SMS_BACKEND="", EMAIL_HOST="",
                                             STORAGE_BACKEND="", FPX_PRIVATE_KEY_PATH=""))
    assert result.returncode != 0
    for setting in ["DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PORTAL_BASE_URL", "FPX_AR_URL",
                    "SMS_GATEWAY_URL", "EMAIL_HOST", "AWS_STORAGE_BUCKET_NAME", "FPX_PRIVATE_KEY_PATH"]:
        assert f"  {setting}: " in result.stderr, setting


def test_an_unparsable_seller_key_or_certificate_is_an_error_at_boot(tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    result = manage(*CHECK, **production_env(tmp_path, FPX_PRIVATE_KEY_PATH=str(garbage), FPX_CERT_PATHS=str(garbage)))
    assert result.returncode != 0
    assert "FPX_PRIVATE_KEY_PATH: the seller's signing key" in result.stderr
    assert "FPX_CERT_PATHS: FPX's certificate" in result.stderr


def test_explicit_switches_allow_the_simulator_the_outbox_and_local_files(tmp_path):
    env = production_env(tmp_path, FPX_SIMULATOR_ENABLED="1", FPX_SELLER_EX_ID="", FPX_SELLER_ID="", FPX_AR_URL="",
                         FPX_ENQUIRY_URL="", FPX_BANKLIST_URL="", MESSAGES_OUTBOX="1", SMS_BACKEND="",
                         SMS_GATEWAY_URL="", EMAIL_BACKEND="", EMAIL_HOST="", STORAGE_BACKEND="local",
                         AWS_STORAGE_BUCKET_NAME="")
    assert manage(*CHECK, **env).returncode == 0
    result = python("from django.conf import settings as s; print(s.OUTBOX_ENABLED, s.FPX_SIMULATOR_ENABLED)", **env)
    assert result.stdout.split()[-2:] == ["True", "True"], result.stderr


def test_the_outbox_is_off_in_production_unless_switched_on(tmp_path):
    code = "from django.conf import settings as s; print(s.OUTBOX_ENABLED, s.MESSAGES_OUTBOX)"
    assert python(code, **production_env(tmp_path)).stdout.split()[-2:] == ["False", "False"]


def test_check_deploy_names_each_setting_under_settings_that_are_not_production():
    """The deploy checks themselves (not only the production module's refusal): under the embedded default with
    DEBUG off, `check --deploy` names what a deployment lacks."""
    result = manage("check", "--deploy", settings_module="config.django.base", DEBUG="0")
    assert result.returncode != 0
    for setting in ["DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "PORTAL_BASE_URL", "SMS_GATEWAY_URL",
                    "EMAIL_HOST", "AWS_STORAGE_BUCKET_NAME"]:
        assert re.search(rf"^{setting}: \(matrix\.E1\d\d\)", result.stderr, flags=re.MULTILINE), setting


def test_connections_persist_with_health_checks_and_sessions_are_read_from_redis(tmp_path):
    code = ("from django.conf import settings as s; d = s.DATABASES['default']; "
            "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.SESSION_ENGINE, s.CACHES['default']['BACKEND'])")
    result = python(code, **production_env(tmp_path))
    assert result.stdout.split()[-4:] == [
        "60", "True", "django.contrib.sessions.backends.cached_db", "matrix.core.cache.RedisCache",
    ], result.stderr
    result = python(code, **production_env(tmp_path, DATABASE_CONN_MAX_AGE="300", SESSION_ENGINE="cache"))
    assert result.stdout.split()[-4:-2] == ["300", "True"]
    assert result.stdout.split()[-2] == "django.contrib.sessions.backends.cache"


def test_production_logs_are_json_lines(tmp_path):
    code = "import logging; logging.getLogger('matrix.test').warning('hello from production')"
    result = python(code, **production_env(tmp_path))
    import json

    line = json.loads([line for line in result.stderr.splitlines() if "hello from production" in line][-1])
    assert line["message"] == "hello from production" and line["level"] == "WARNING" and "request_id" in line
