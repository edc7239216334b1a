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


def test_nulls_and_booleans_of_the_copy_text_reach_the_database_as_such(monkeypatch):
    from matrix.contributions.models import Contribution
    from matrix.payments.models import FpxMessage, Payment
    from matrix.scale import seed as scale_seed
    from matrix.scale.seed import Seeder

    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 20)
    Seeder(people=60, seed=5, check_foreign_keys=True).run(workers=2)
    awaiting = Contribution.objects.filter(state="AWAITING_PAYMENT")
    assert awaiting.exists() and not awaiting.filter(start_at__isnull=False).exists()
    assert not awaiting.filter(end_at__isnull=False).exists() and not awaiting.filter(paid_at__isnull=False).exists()
    assert not Contribution.objects.filter(state="PAID", end_at__isnull=True).exists()
    assert Payment.objects.filter(status="FAILED").exists()
    assert not Payment.objects.filter(status__in=["FAILED", "PENDING"], receipt_no__isnull=False).exists()
    assert not Payment.objects.filter(status="PENDING", settled_at__isnull=False).exists()
    assert not Payment.objects.filter(refund_due=True).exists()
    assert not Payment.objects.filter(status="PAID", paid_at__isnull=True).exists()
    assert set(FpxMessage.objects.filter(channel="AR").values_list("signature_valid", flat=True)) == {None}
    assert set(FpxMessage.objects.filter(channel="AC_DIRECT").values_list("signature_valid", flat=True)) == {True}
