"""`manage.py backup` / `restore` on the embedded default (SQLite, private files on local disk): a round trip into
a fresh database file and a fresh folder finds the same people, contributions, receipt numbers and documents."""

import json
import sqlite3

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from matrix.core.backup import file_sha256
from tests.backup.portal import manage, portal_data_make, portal_snapshot, snapshot_in, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.sqlite  # the SQLite round trip; test_backup_postgres.py covers PostgreSQL
def test_a_sqlite_backup_restores_into_a_fresh_database_and_folder(tmp_path, capsys):
    portal_data_make()
    default_storage.save("drafts/20260101000000-" + "a" * 32, ContentFile(b"draft bytes"))
    expected = portal_snapshot()
    target = tmp_path / "backup"

    call_command("backup", "--to", str(target))
    assert "Backup written to" in capsys.readouterr().out
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "sqlite" and manifest["database"]["path"] == "database.sqlite3"
    assert manifest["database"]["sha256"] == file_sha256(target / "database.sqlite3")
    assert manifest["counts"]["objects"] == 5 and len(manifest["objects"]) == 5  # 4 documents and the draft
    for entry in manifest["objects"]:
        assert entry["sha256"] == file_sha256(target / entry["path"]) and entry["path"] == "objects/" + entry["name"]
    assert manifest["rows"]["registrations_document"] == 4 and manifest["rows"]["payments_payment"] == 2
    with sqlite3.connect(target / "database.sqlite3") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    fresh = tmp_path / "restored"
    env = subprocess_env(DATABASE_URL=f"sqlite:///{fresh / 'db.sqlite3'}", MEDIA_ROOT=str(fresh / "private"),
                         STORAGE_BACKEND="local")
    output = manage("restore", "--from", str(target), env=env).stdout
    assert "Restored" in output and "5 stored object(s)" in output
    restored = snapshot_in(env)
    next_receipt = restored.pop("next_receipt_no")
    assert restored == expected
    assert next_receipt > max(row[0] for row in expected["receipts"])  # receipt numbers are never reused
    assert (fresh / "private" / "drafts" / ("20260101000000-" + "a" * 32)).read_bytes() == b"draft bytes"


def test_backup_refuses_a_directory_that_holds_files(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("backup", "--to", str(tmp_path / "old"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no working folder left behind


def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path):
    portal_data_make()
    target = tmp_path / "backup"
    call_command("backup", "--to", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    damaged = target / manifest["objects"][0]["path"]
    damaged.write_bytes(damaged.read_bytes() + b"!")
    before = portal_snapshot()
    from matrix.accounts.models import User

    User.objects.filter(full_name="LIM AH KOW").update(full_name="CHANGED AFTER THE BACKUP")
    with pytest.raises(CommandError, match=rf"damaged: {manifest['objects'][0]['path']}: sha256 differs"):
        call_command("restore", "--from", str(target), "--noinput")
    assert User.objects.filter(full_name="CHANGED AFTER THE BACKUP").exists()  # the database was not touched
    assert portal_snapshot()["documents"] == before["documents"]


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="no manifest.json"):
        call_command("restore", "--from", str(tmp_path), "--noinput")
