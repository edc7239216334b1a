"""README's release procedure on a fresh clone under config.django.production: `make release` (install, CSS,
translations, collectstatic, migrate), then gunicorn; the pages and the hashed stylesheet answer 200.

Before `make release` built the CSS and compiled the translations, every page of such a release answered 500
("Missing staticfiles manifest entry for 'css/matrix.css'"). Production refuses SQLite, so this runs in the
PostgreSQL pass (its own database, dropped at the end)."""

import re
import sys

import psycopg
import pytest
import requests
from django.conf import settings
from psycopg import sql

from tests.deploy.conftest import BROKER_URL, REDIS_URL, clean_env, free_port, make, wait_for
from tests.s3 import moto_s3, s3_bucket, s3_env  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(1200)]  # a build on a shared machine


def _admin_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


@pytest.fixture
def release_database():
    """A database of its own for the release (name derived from this run's test database)."""
    name = f"{settings.DATABASES['default']['NAME']}_release"[:60]
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _admin_url().rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(_admin_url(), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def production_env(*, database_url: str, storage: dict[str, str], port: int, keys_dir) -> dict[str, str]:
    """A complete production environment for this machine; the FPX simulator and the outbox switched on
    explicitly (the only stand-ins)."""
    return clean_env(
        DJANGO_SETTINGS_MODULE="config.django.production",
        SECRET_KEY="release-test-3b8f0e6d1c2a4957b8e0f1d2c3b4a5968778695a4b3c2d1e0f-not-real",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        CELERY_BROKER_URL=BROKER_URL,
        PORTAL_BASE_URL=f"https://127.0.0.1:{port}",
        FPX_SIMULATOR_ENABLED="1",
        FPX_PRIVATE_KEY_PATH=str(keys_dir / "seller_private.pem"),
        FPX_CERT_PATHS=str(keys_dir / "fpx_simulator_cert.pem"),
        FPX_SIMULATOR_PRIVATE_KEY_PATH=str(keys_dir / "fpx_simulator_private.pem"),
        FPX_SIMULATOR_SELLER_CERT_PATH=str(keys_dir / "seller_cert.pem"),
        MESSAGES_OUTBOX="1",
        LOG_FORMAT="plain",
        **storage,
    )


def test_the_readme_release_procedure_serves_pages_and_static_files(repo_clone, release_database, moto_s3,  # noqa: F811
                                                                      s3_bucket, processes):  # noqa: F811
    # The operator's FPX keys (here: generated for the simulator, as `make keys` does).
    keys = make("keys", cwd=repo_clone, env=clean_env(DJANGO_SETTINGS_MODULE="config.django.local"))
    assert keys.returncode == 0, keys.stdout + keys.stderr
    port = free_port()
    env = production_env(database_url=release_database, storage=s3_env(moto_s3, s3_bucket), port=port,
                         keys_dir=repo_clone / "var" / "keys")

    release = make("release", cwd=repo_clone, env=env, timeout=900)
    assert release.returncode == 0, release.stdout[-3000:] + release.stderr[-3000:]
    assert (repo_clone / "static" / "css" / "matrix.css").exists()
    assert list((repo_clone / "locale").glob("*/LC_MESSAGES/django.mo"))
    assert (repo_clone / "var" / "staticfiles" / "staticfiles.json").exists()

    # README's start command for the web processes.
    processes.start("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}, cwd=repo_clone)
    base = f"http://127.0.0.1:{port}"
    # As behind the TLS load balancer: it says the client connected over https.
    proxy = {"X-Forwarded-Proto": "https"}
    wait_for(lambda: requests.get(base + "/healthz", timeout=5).ok, timeout=120, what="gunicorn to answer",
             alive=lambda: processes.check_running("gunicorn"))

    for path in ["/", "/accounts/login/", "/accounts/signup/", "/help/"]:
        response = requests.get(base + path, headers=proxy, timeout=15, allow_redirects=False)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    home = requests.get(base + "/", headers=proxy, timeout=15).text
    css_url = re.search(r'href="(/static/css/matrix\.[0-9a-f]{12}\.css)"', home).group(1)
    css = requests.get(base + css_url, headers=proxy, timeout=15)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    # Malay is compiled: the Malay home page is in Malay.
    malay = requests.get(base + "/", headers={**proxy, "Accept-Language": "ms"}, timeout=15)
    assert malay.status_code == 200 and 'lang="ms"' in malay.text
    ready = requests.get(base + "/readyz", headers=proxy, timeout=30)
    assert ready.status_code == 200, ready.text

