"""seed_scale's load drops the unique indexes and unique constraints too (several are in random order: at a
million people each row would touch a random page of an index far larger than shared_buffers) and builds them
after the load as they were (constraints as constraints), so a duplicate still fails the run."""

import psycopg
import pytest
from django.db import connection

from matrix.scale.seed import TABLES, drop_secondary_indexes, recreate_dropped_indexes
from tests.factories import user_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _unique() -> dict[str, str]:
    """Unique indexes of the seeded tables other than primary keys: name -> 'constraint' or 'index'."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text,
                      CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                        AND c.contype = 'u') THEN 'constraint' ELSE 'index' END
                 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s) AND i.indisunique AND NOT i.indisprimary""",
            [[table for table, _ in TABLES.values()]])
        return dict(cursor.fetchall())


def test_unique_indexes_and_constraints_are_dropped_and_built_again_as_they_were():
    before = _unique()
    assert before["payments_payment_seller_ex_order_no_key"] == "constraint"
    assert before["notifications_message_reference_key"] == "constraint"
    assert before["payment_one_paid_per_contribution"] == "index"
    with connection.cursor() as cursor:
        dropped = drop_secondary_indexes(cursor.cursor)
        assert set(before) <= set(dropped) and _unique() == {}
        assert sorted(recreate_dropped_indexes(cursor.cursor)) == sorted(dropped)
    assert _unique() == before


def test_a_duplicate_loaded_meanwhile_fails_the_build():
    with connection.cursor() as cursor:
        drop_secondary_indexes(cursor.cursor)
        user_make(id_number="900101145001", email="a@example.com")
        user_make(id_number="900101145001", email="b@example.com")  # no constraint to stop it now
        with pytest.raises(psycopg.errors.UniqueViolation):
            recreate_dropped_indexes(cursor.cursor)
