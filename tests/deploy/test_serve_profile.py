"""`make serve`'s local values (deploy/local.env) are a complete production environment: the production settings
boot with them and `check --deploy` finds no error; the values of the calling environment win."""

import subprocess
import sys

from tests.deploy.conftest import ROOT, clean_env

SOURCE = "set -a; source deploy/local.env; set +a; "


def _bash(script: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", SOURCE + script], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env=clean_env(**env))


def test_local_env_passes_the_production_deploy_checks():
    subprocess.run([sys.executable, "manage.py", "fpx_keys"], cwd=ROOT, check=True, capture_output=True,
                   env=clean_env(DJANGO_SETTINGS_MODULE="config.django.test"), timeout=120)
    result = _bash(f"exec {sys.executable} manage.py check --deploy --fail-level ERROR")
    assert result.returncode == 0, result.stdout + result.stderr
    settings = _bash(f"exec {sys.executable} -c 'import django; django.setup(); from django.conf import settings as s; "
                     "print(s.DEBUG, s.FPX_SIMULATOR_ENABLED, s.OUTBOX_ENABLED, s.STORAGE_BACKEND, "
                     "s.DATABASES[\"default\"][\"ENGINE\"])'")
    assert settings.returncode == 0, settings.stderr
    assert settings.stdout.split()[-5:] == ["False", "True", "True", "s3", "django.db.backends.postgresql"]


def test_the_calling_environment_overrides_the_local_values():
    result = _bash('echo "$DATABASE_URL $REDIS_URL $CELERY_BROKER_URL"',
                   DATABASE_URL="postgres://postgres@127.0.0.1:5432/elsewhere", REDIS_URL="redis://127.0.0.1:6379/9")
    assert result.stdout.split() == ["postgres://postgres@127.0.0.1:5432/elsewhere", "redis://127.0.0.1:6379/9",
                                     "redis://127.0.0.1:6379/1"]


def test_make_serve_sources_the_local_values_and_runs_the_supervisor():
    result = subprocess.run(["make", "-n", "-B", "serve", "SERVE_PORT=9443"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "source deploy/local.env" in result.stdout and "PORT=9443" in result.stdout
    assert "deploy/serve.py" in result.stdout and "tailwindcss" in result.stdout and "compilemessages" in result.stdout
