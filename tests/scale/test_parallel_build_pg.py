"""seed_scale builds the dropped indexes (and ANALYZEs) in two sessions at once after a load outside any
transaction: every index the migrations define comes back valid, unique constraints as constraints, even when a
run stopped between building a constraint's index and attaching it; a duplicate fails the run and leaves only its
index recorded (with any not started yet) for the next run."""

import psycopg
import pytest
from django.db import connection

from matrix.scale import seed as scale_seed
from matrix.scale.seed import ATTACH, TABLES, Seeder, drop_secondary_indexes, recreate_dropped_indexes
from tests.factories import user_make

pytestmark = [pytest.mark.postgres]


def _indexes() -> dict[str, tuple[bool, bool, str]]:
    """Index name -> (valid, ready, 'constraint' or 'index') of the seeded tables' indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.indexrelid::regclass::text, i.indisvalid, i.indisready,
                      CASE WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                           THEN 'constraint' ELSE 'index' END
                 FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(%s)""",
            [[table for table, _ in TABLES.values()]])
        return {name: (valid, ready, kind) for name, valid, ready, kind in cursor.fetchall()}


def _recorded() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM scale_dropped_index ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def _connect():
    return connection.get_new_connection(connection.get_connection_params())


@pytest.mark.django_db(transaction=True)
def test_a_load_outside_a_transaction_builds_its_indexes_in_two_sessions_and_all_come_back_valid(monkeypatch):
    before = _indexes()
    assert all(valid and ready for valid, ready, _kind in before.values())
    calls = []
    in_sessions = scale_seed.in_sessions

    def spy(connect, jobs, sessions, run):
        calls.append(([name for name, _ in jobs], sessions))
        in_sessions(connect, jobs, sessions, run)

    monkeypatch.setattr(scale_seed, "in_sessions", spy)
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 10)
    seeder = Seeder(people=30, seed=4, check_foreign_keys=True)
    seeder.run(workers=2, drop_indexes=True)
    built, analyzed = calls
    assert built[1] == analyzed[1] == 2
    assert sorted(built[0]) == sorted(seeder.dropped_indexes) == sorted(seeder.recreated_indexes)
    assert sorted(analyzed[0]) == sorted(table for table, _ in TABLES.values())
    assert _indexes() == before and _recorded() == []
    with connection.cursor() as cursor:  # every seeded table was analyzed
        cursor.execute("SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_analyze IS NULL",
                       [[table for table, _ in TABLES.values()]])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db
def test_a_unique_constraint_is_recorded_as_its_index_and_an_attach_and_a_half_done_one_is_finished():
    before = _indexes()
    with connection.cursor() as cursor:
        drop_secondary_indexes(cursor.cursor)
        cursor.execute("SELECT definition FROM scale_dropped_index WHERE name = %s",
                       ["payments_payment_seller_ex_order_no_key"])
        create, attach = cursor.fetchone()[0].split(ATTACH)
        assert create.startswith("CREATE UNIQUE INDEX payments_payment_seller_ex_order_no_key ON ")
        assert "UNIQUE USING INDEX payments_payment_seller_ex_order_no_key" in attach
        cursor.execute(create)  # as if a run had been killed between the two statements
        assert _indexes()["payments_payment_seller_ex_order_no_key"][2] == "index"
        recreate_dropped_indexes(cursor.cursor)
    assert _indexes() == before and _recorded() == []


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_fails_the_parallel_build_and_leaves_its_index_recorded_for_the_next_run():
    before = _indexes()
    with connection.cursor() as cursor:
        dropped = drop_secondary_indexes(cursor.cursor)
    first = user_make(id_number="900101145001", email="a@example.com")
    user_make(id_number="900101145001", email="b@example.com")  # no constraint to stop it now
    with connection.cursor() as cursor:
        with pytest.raises(psycopg.errors.UniqueViolation):
            recreate_dropped_indexes(cursor.cursor, connect=_connect, sessions=2)
    left = _recorded()
    assert "accounts_user_id_number_key" in left and set(left) < set(dropped)
    assert all(valid for valid, _ready, _kind in _indexes().values())  # a failed build leaves no invalid index
    first.delete()
    with connection.cursor() as cursor:
        recreate_dropped_indexes(cursor.cursor, connect=_connect, sessions=2)
    assert _indexes() == before and _recorded() == []
