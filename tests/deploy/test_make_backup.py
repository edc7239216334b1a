"""`make backup` and `make restore`: the Makefile's front to `manage.py backup --to` / `restore --from`."""

import re
import sqlite3
import subprocess
import sys

import pytest

from tests.deploy.conftest import ROOT, clean_env, make

pytestmark = pytest.mark.timeout(1200)  # builds and installs on a shared machine

def _env(db, media) -> dict[str, str]:
    return clean_env(DJANGO_SETTINGS_MODULE="config.django.local", DATABASE_URL=f"sqlite:///{db}",
                     MEDIA_ROOT=str(media), STORAGE_BACKEND="local")


def test_make_backup_then_make_restore_into_a_fresh_database(tmp_path):
    source = _env(tmp_path / "db.sqlite3", tmp_path / "private")
    for command in (["migrate", "--noinput", "-v", "0"], ["load_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], env=source, cwd=ROOT, check=True, capture_output=True,
                       timeout=600)
    backup_dir = tmp_path / "backup"

    backup = make("backup", f"BACKUP_DIR={backup_dir}", cwd=ROOT, env=source)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert (backup_dir / "manifest.json").exists()

    fresh = _env(tmp_path / "fresh" / "db.sqlite3", tmp_path / "fresh" / "private")
    restore = make("restore", f"BACKUP_DIR={backup_dir}", "NOINPUT=1", cwd=ROOT, env=fresh)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    with sqlite3.connect(tmp_path / "fresh" / "db.sqlite3") as restored:
        assert restored.execute("SELECT id_number FROM accounts_user").fetchall() == [("900101145678",)]


def test_make_restore_needs_the_backup_dir():
    result = make("restore", cwd=ROOT, env=clean_env())
    assert result.returncode != 0
    assert "make restore needs BACKUP_DIR" in result.stdout + result.stderr


def test_make_backup_defaults_to_a_timestamped_folder_under_var_backups():
    result = subprocess.run(["make", "-n", "backup"], capture_output=True, text=True, cwd=ROOT, env=clean_env(),
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r'manage\.py backup --to "var/backups/\d{8}T\d{6}Z"', result.stdout), result.stdout
