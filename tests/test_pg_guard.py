"""The PostgreSQL pass guard (tests/conftest.py): a run whose DATABASE_URL names PostgreSQL fails, with a clear
message, when Django is not on PostgreSQL, when the server cannot be reached, or when postgres-marked tests were
collected but none ran; a run of files without postgres-marked tests is not concerned. Each case is a pytest
subprocess on tests/pg_guard/sample.py (two tests that touch no database)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import database_url_is_postgres, on_postgres

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "tests/pg_guard/sample.py"
REACHABLE_URL = os.environ.get("DATABASE_URL", "") if database_url_is_postgres() else ""


def _closed_port() -> int:
    """A local port nothing listens on (bound then released; nothing else here binds random ports to it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pytest(*args: str, database_url: str | None, settings: str = "config.django.test") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = settings
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240)


def _output(run: subprocess.CompletedProcess) -> str:
    return run.stdout + run.stderr


def test_unreachable_postgres_fails_the_run_with_a_clear_message():
    run = _pytest(SAMPLE, database_url=f"postgres://postgres@127.0.0.1:{_closed_port()}/guard")
    assert run.returncode != 0, _output(run)
    assert "PostgreSQL pass guard" in _output(run) and "cannot be reached" in _output(run), _output(run)
    assert "passed" not in run.stdout


def test_postgres_url_with_django_on_another_engine_fails_the_run():
    run = _pytest(SAMPLE, database_url="postgres://postgres@127.0.0.1:5432/guard",
                  settings="tests.pg_guard.sqlite_settings")
    assert run.returncode != 0, _output(run)
    assert "PostgreSQL pass guard" in _output(run), _output(run)
    assert "django.db.backends.sqlite3" in _output(run), _output(run)


def test_without_database_url_the_postgres_tests_are_deselected_and_the_run_passes():
    run = _pytest(SAMPLE, database_url=None)
    assert run.returncode == 0, _output(run)
    assert "1 passed, 1 deselected" in run.stdout, _output(run)


@pytest.mark.postgres
def test_postgres_pass_that_runs_no_postgres_test_fails():
    assert on_postgres() and REACHABLE_URL
    run = _pytest(SAMPLE, "-m", "not postgres", database_url=REACHABLE_URL)
    assert run.returncode != 0, _output(run)
    assert "PostgreSQL pass guard" in _output(run)
    assert "1 postgres-marked tests were collected but none of them ran" in _output(run), _output(run)


@pytest.mark.postgres
def test_postgres_pass_that_runs_the_postgres_tests_passes():
    run = _pytest(SAMPLE, database_url=REACHABLE_URL)
    assert run.returncode == 0, _output(run)
    assert "2 passed" in run.stdout and "PostgreSQL pass guard" not in _output(run), _output(run)


@pytest.mark.postgres
def test_postgres_pass_of_files_without_postgres_tests_passes():
    run = _pytest(f"{SAMPLE}::test_plain", database_url=REACHABLE_URL)
    assert run.returncode == 0, _output(run)
    assert "1 passed" in run.stdout and "PostgreSQL pass guard" not in _output(run), _output(run)
