# Why: the staff person search (matrix.backoffice.selectors.person_search) at national scale. A name part is
# matched with Django's icontains, which PostgreSQL runs as UPPER(full_name::text) LIKE UPPER('%...%'): a trigram
# GIN index on that very expression serves it (pg_trgm); a btree on (full_name, id) lets a common name part
# ("BIN") be read in the results' order and stop at the limit. A phone or an email is an indexed equality
# (mobile; UPPER(email::text), the expression of iexact). PostgreSQL only: nothing on SQLite.
#
# pg_trgm is a trusted extension (PostgreSQL 13+): a role with CREATE on the database may create it, no superuser
# needed. The indexes are built CONCURRENTLY (the migration is not atomic), so sign-ups are not held up.

from django.db import migrations

INDEXES = {
    "accounts_user_full_name_trgm": "USING gin (UPPER((full_name)::text) gin_trgm_ops)",
    "accounts_user_full_name_order": "(full_name, id)",
    "accounts_user_mobile_idx": "(mobile)",
    "accounts_user_email_upper_idx": "(UPPER((email)::text))",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON accounts_user {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0004_login_attempts_step_up_code"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
