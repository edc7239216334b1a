"""Indexes added to big tables are built CONCURRENTLY on PostgreSQL (the table stays writable while the previous
release serves, README "Upgrades"), and as plain indexes on SQLite; the migrations that do it are not atomic."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from matrix.core.migration_operations import AddIndexConcurrently

# sqlmigrate opens a schema editor: outside the test transaction (SQLite refuses one inside it).
pytestmark = pytest.mark.django_db(transaction=True)

MIGRATIONS = [("payments", "0007_payment_tell_pending"), ("registrations", "0003_person_search_indexes")]


@pytest.mark.parametrize(("app", "name"), MIGRATIONS)
def test_the_index_migrations_are_concurrent_where_the_database_can(app, name):
    migration = MigrationLoader(None, ignore_no_migrations=True).disk_migrations[(app, name)]
    assert migration.atomic is False
    assert any(isinstance(operation, AddIndexConcurrently) for operation in migration.operations)
    out = io.StringIO()
    call_command("sqlmigrate", app, name, stdout=out)
    sql = out.getvalue()
    if connection.vendor == "postgresql":
        assert "CREATE INDEX CONCURRENTLY" in sql
    else:
        assert "CREATE INDEX" in sql and "CONCURRENTLY" not in sql
