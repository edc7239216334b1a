"""The renewal reminder job finds the sectors whose cover ends on a given day by the end of their paid periods:
an index on contributions (end_at, id) of PAID rows, so each day's run reads a narrow range (keyset pages) instead
of every contribution. Built CONCURRENTLY on PostgreSQL (the table is large; writes go on meanwhile). The index
serves this app's job only, so it lives here; Django's model state of contributions does not know it."""

from django.db import migrations

INDEX = "notifications_contribution_paid_end_idx"


def index_create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX {concurrently}IF NOT EXISTS {INDEX} ON contributions_contribution (end_at, id) "
        "WHERE state = 'PAID'"
    )


def index_drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("contributions", "0002_contribution_cancel"),
        ("notifications", "0003_preferences_reminders"),
    ]

    operations = [migrations.RunPython(index_create, index_drop, elidable=False)]
