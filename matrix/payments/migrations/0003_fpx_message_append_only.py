"""The FPX message log is append-only in the database itself: an UPDATE of a logged message is refused by a
trigger (PostgreSQL and SQLite alike), whatever code path tries it."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER payments_fpxmessage_append_only BEFORE UPDATE ON payments_fpxmessage
       BEGIN SELECT RAISE(ABORT, 'payments_fpxmessage is append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS payments_fpxmessage_append_only;"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION payments_fpxmessage_refuse_update() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'payments_fpxmessage is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER payments_fpxmessage_append_only BEFORE UPDATE ON payments_fpxmessage
       FOR EACH ROW EXECUTE FUNCTION payments_fpxmessage_refuse_update();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS payments_fpxmessage_append_only ON payments_fpxmessage;",
    "DROP FUNCTION IF EXISTS payments_fpxmessage_refuse_update();",
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
    dependencies = [("payments", "0002_payment_buyer_bank_id")]
    operations = [migrations.RunPython(forwards, backwards)]
