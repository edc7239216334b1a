"""Emptying the audit table between transactional tests (live server, browser tests).

The audit table refuses DELETE by a trigger (matrix/backoffice/migrations/0002). On PostgreSQL the test
database is emptied with TRUNCATE, which row triggers do not see; on SQLite it is emptied with DELETE, so a
transactional test that wrote audit rows must lift the trigger for that moment. Use the fixture in such tests:

    from tests.backoffice.audit_rows import audit_rows_purged  # noqa: F401  (pytest fixture)
    pytestmark = pytest.mark.usefixtures("audit_rows_purged")
"""

import pytest
from django.db import connection

TRIGGER = "backoffice_auditevent_no_delete"


def audit_rows_purge() -> None:
    if connection.vendor != "sqlite":
        return  # PostgreSQL: TRUNCATE at flush
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        cursor.execute("DELETE FROM backoffice_auditevent")
        cursor.execute(
            f"CREATE TRIGGER {TRIGGER} BEFORE DELETE ON backoffice_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'backoffice_auditevent is append-only'); END;"
        )


@pytest.fixture
def audit_rows_purged(transactional_db):
    yield
    audit_rows_purge()
