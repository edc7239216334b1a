"""Not collected by the suite (the name does not start with test_): tests/test_pg_guard.py runs it in a pytest
subprocess to watch the PostgreSQL pass guard in tests/conftest.py. Neither test touches a database."""

import pytest


@pytest.mark.postgres
def test_marked_postgres():
    pass


def test_plain():
    pass
