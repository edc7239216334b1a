"""Two rates of one plan number must never be in force on the same day: the database refuses an overlapping
effective period, whatever code path inserts it (admin, shell, a data migration).

effective_to is the last day in force (Plan.objects.in_force reads it inclusively) and NULL is an open end, so
the period is the half-open range [effective_from, effective_to + 1 day). On PostgreSQL that is an exclusion
constraint over daterange(...) with '[)' bounds (btree_gist gives `=` on the plan number a GiST operator
class); SQLite has no exclusion constraints, so triggers refuse the same rows on INSERT and UPDATE."""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE reference_plan ADD CONSTRAINT plan_rates_never_overlap EXCLUDE USING gist (
         number WITH =, daterange(effective_from, effective_to + 1, '[)') WITH &&)""",
]
POSTGRES_REVERSE = ["ALTER TABLE reference_plan DROP CONSTRAINT IF EXISTS plan_rates_never_overlap"]

_OVERLAP = """SELECT RAISE(ABORT, 'plan_rates_never_overlap: another rate of this plan is in force on these dates')
    WHERE EXISTS (
      SELECT 1 FROM reference_plan AS other
       WHERE other.number = NEW.number AND other.id IS NOT NEW.id
         AND other.effective_from <= COALESCE(NEW.effective_to, '9999-12-31')
         AND NEW.effective_from <= COALESCE(other.effective_to, '9999-12-31'));"""
SQLITE = [
    f"""CREATE TRIGGER plan_rates_never_overlap_insert BEFORE INSERT ON reference_plan
        BEGIN {_OVERLAP} END;""",
    f"""CREATE TRIGGER plan_rates_never_overlap_update BEFORE UPDATE ON reference_plan
        BEGIN {_OVERLAP} END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS plan_rates_never_overlap_insert;",
    "DROP TRIGGER IF EXISTS plan_rates_never_overlap_update;",
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
    dependencies = [("reference", "0002_load_reference_data")]
    operations = [migrations.RunPython(forwards, backwards)]
