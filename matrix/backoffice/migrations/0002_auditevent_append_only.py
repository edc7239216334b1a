"""The audit trail is append-only in the database itself: UPDATE and DELETE of an audit row are refused by
triggers (PostgreSQL and SQLite alike), whatever code path or role tries them. (Test suites that empty the table
between tests lift the DELETE trigger for that moment only: tests/backoffice/audit_rows.py.)"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER backoffice_auditevent_no_update BEFORE UPDATE ON backoffice_auditevent
       BEGIN SELECT RAISE(ABORT, 'backoffice_auditevent is append-only'); END;""",
    """CREATE TRIGGER backoffice_auditevent_no_delete BEFORE DELETE ON backoffice_auditevent
       BEGIN SELECT RAISE(ABORT, 'backoffice_auditevent is append-only'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS backoffice_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS backoffice_auditevent_no_delete;",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION backoffice_auditevent_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'backoffice_auditevent is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER backoffice_auditevent_no_update BEFORE UPDATE ON backoffice_auditevent
       FOR EACH ROW EXECUTE FUNCTION backoffice_auditevent_refuse();""",
    """CREATE TRIGGER backoffice_auditevent_no_delete BEFORE DELETE ON backoffice_auditevent
       FOR EACH ROW EXECUTE FUNCTION backoffice_auditevent_refuse();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS backoffice_auditevent_no_update ON backoffice_auditevent;",
    "DROP TRIGGER IF EXISTS backoffice_auditevent_no_delete ON backoffice_auditevent;",
    "DROP FUNCTION IF EXISTS backoffice_auditevent_refuse();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("backoffice", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
