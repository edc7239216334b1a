"""`manage.py backup` / `restore` on PostgreSQL and S3 (a real moto server): the backup restores into a fresh
database (created by the restore) and a fresh bucket, where a subprocess finds the same people, contributions,
receipt numbers and document bytes; restoring again over the restored database gives the same result."""

import json
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from matrix.core.backup import file_sha256
from tests.backup.portal import manage, portal_data_make, portal_snapshot, snapshot_in, subprocess_env
from tests.s3 import moto_s3, s3_bucket, s3_bucket_make, s3_env, s3_keys, s3_storage  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fresh_database():
    """A unique database name on the test server, dropped at the end (the restore creates it)."""
    params = connection.settings_dict
    name = f"matrix_restore_{uuid.uuid4().hex[:12]}"
    userinfo = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    url = f"postgres://{userinfo}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    yield name, url
    with psycopg.connect(host=params["HOST"] or "127.0.0.1", port=params["PORT"] or 5432, user=params["USER"],
                         password=params["PASSWORD"] or None, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_postgresql_and_s3_backup_restores_into_a_fresh_database_and_bucket(tmp_path, capsys, s3_storage,  # noqa: F811
                                                                               moto_s3, fresh_database):  # noqa: F811
    portal_data_make()
    expected = portal_snapshot()
    assert len(expected["documents"]) == 4 and len(expected["receipts"]) == 2
    target = tmp_path / "backup"

    call_command("backup", "--to", str(target))
    assert "postgresql database" in capsys.readouterr().out
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["database"]["engine"] == "postgresql"
    assert (target / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert manifest["database"]["sha256"] == file_sha256(target / "database.dump")
    assert sorted(entry["name"] for entry in manifest["objects"]) == s3_storage.keys()
    assert manifest["rows"]["registrations_document"] == 4 and manifest["rows"]["accounts_user"] == 2

    name, url = fresh_database
    bucket = s3_bucket_make(moto_s3)
    env = subprocess_env(DATABASE_URL=url, **s3_env(moto_s3, bucket))
    output = manage("restore", "--from", str(target), env=env).stdout
    assert "Restored" in output and "4 stored object(s)" in output
    assert s3_keys(moto_s3, bucket) == s3_storage.keys()
    restored = snapshot_in(env)
    next_receipt = restored.pop("next_receipt_no")
    assert restored == expected
    assert next_receipt > max(row[0] for row in expected["receipts"])  # the running number carries on

    # Restoring again over a database that has rows (and a newer receipt) puts back exactly the backup.
    manage("restore", "--from", str(target), env=env)
    again = snapshot_in(env)
    again.pop("next_receipt_no")
    assert again == expected
