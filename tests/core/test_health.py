"""Issue 9 item 6: /healthz (liveness: any Host, plain http, before every other middleware) and /readyz (database,
Redis, broker, migrations, storage, FPX certificate valid 30 more days), each check in the JSON, 503 on any
failure."""

import os

import pytest
from django.db.migrations.executor import MigrationExecutor

from tests.core.production_env import production_env, python
from tests.payments.fpxkit import key_pair_make

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/11")
BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture
def fpx_cert(settings, tmp_path):
    def make(days: int = 365):
        pair = key_pair_make(tmp_path / f"cert-{days}", "fpx", days=days)
        settings.FPX_CERT_PATHS = [str(pair.cert_path)]
        return pair

    make()
    return make


def test_healthz_answers_any_host_over_http_under_the_production_settings(tmp_path):
    code = ("from django.test import Client; c = Client(); "
            "r = c.get('/healthz', HTTP_HOST='10.20.30.40'); print(r.status_code, r.content.decode()); "
            "print(c.get('/', HTTP_HOST='matrix.example.gov.my').status_code); "
            "print(c.get('/', HTTP_HOST='10.20.30.40').status_code)")
    result = python(code, **production_env(tmp_path))
    lines = result.stdout.strip().splitlines()
    assert lines[-3] == '200 {"status": "ok"}', result.stderr
    # Everything else is still redirected to https and refused for an unknown Host.
    assert lines[-2:] == ["301", "400"]


def test_readyz_reports_every_check(client, settings, fpx_cert):
    settings.REDIS_URL = REDIS_URL
    settings.CELERY_BROKER_URL = BROKER_URL
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "redis": "ok", "broker": "ok", "migrations": "ok", "storage": "ok", "fpx_certificate": "ok",
    }}


def test_readyz_in_the_embedded_default_says_what_is_not_configured(client, settings, fpx_cert):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = ""
    checks = client.get("/readyz").json()["checks"]
    assert checks["redis"] == "not configured" and checks["broker"].startswith("not configured")


@pytest.mark.parametrize("setting", ["REDIS_URL", "CELERY_BROKER_URL"])
def test_readyz_fails_when_redis_or_the_broker_is_down(client, settings, fpx_cert, setting):
    setattr(settings, setting, "redis://127.0.0.1:1/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    name = {"REDIS_URL": "redis", "CELERY_BROKER_URL": "broker"}[setting]
    assert response.json()["checks"][name].startswith("error")


def test_readyz_fails_when_a_migration_is_not_applied(client, fpx_cert, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("a migration", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "error: RuntimeError: 1 migration(s) not applied"


def test_readyz_fails_when_the_fpx_certificate_ends_within_30_days(client, fpx_cert):
    fpx_cert(days=20)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "less than 30 days" in response.json()["checks"]["fpx_certificate"]
    fpx_cert(days=45)
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_when_the_storage_is_unreachable(client, fpx_cert, monkeypatch):
    from django.core.files.storage import default_storage

    def broken(name):
        raise ConnectionError("object store unreachable")

    monkeypatch.setattr(default_storage, "exists", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and "unreachable" in response.json()["checks"]["storage"]
