"""Outside a transaction seed_scale's workers write their own chunks, each over a connection of its own and in
a transaction of its own: the rows arrive committed and complete, and a generator failing midway leaves whole
chunks only (none half written), the indexes built again and nothing recorded as dropped."""

import os

import pytest
from django.db import connection

from matrix.accounts.models import User
from matrix.scale import seed as scale_seed
from matrix.scale.seed import TABLES, Seeder
from tests.scale.helpers import person_failing_at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)",
                       [[table for table, _ in TABLES.values()]])
        return {name for (name,) in cursor.fetchall()}


def _seeded() -> int:
    return User.objects.filter(email__endswith="@scale.example").count()


def test_workers_write_their_chunks_over_their_own_connections(monkeypatch, tmp_path):
    writers = tmp_path / "writers"
    flush = Seeder._flush

    def recording(self, cursor, data):  # runs wherever the chunk is written
        with open(writers, "a") as out:
            out.write(f"{os.getpid()} {cursor.connection.info.backend_pid}\n")
        flush(self, cursor, data)

    monkeypatch.setattr(Seeder, "_flush", recording)
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 10)
    made = Seeder(people=40, seed=6, check_foreign_keys=True).run(workers=2)
    pids = [line.split() for line in writers.read_text().splitlines()]
    assert len(pids) == 4 and str(os.getpid()) not in {pid for pid, _backend in pids}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert str(cursor.fetchone()[0]) not in {backend for _pid, backend in pids}
    assert _seeded() == 40 == made.counts["people"]


def test_a_generator_failure_leaves_whole_chunks_and_the_indexes_built(monkeypatch):
    before = _indexes()
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 10)
    person_failing_at(monkeypatch, 25)
    with pytest.raises(RuntimeError, match="generator failed"):
        Seeder(people=60, seed=3, check_foreign_keys=True).run(workers=2, drop_indexes=True)
    seeded = set(User.objects.filter(email__endswith="@scale.example").values_list("email", flat=True))
    chunks = {int(email.removeprefix("person").split("@")[0]) // 10 for email in seeded}
    assert 2 not in chunks and len(seeded) == 10 * len(chunks)  # the failed chunk wrote nothing, others all
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scale_dropped_index")
        assert cursor.fetchone()[0] == 0
    assert _indexes() == before
