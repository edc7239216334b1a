"""Shared by the seed's tests (tests/scale, tests/perf)."""

from matrix.scale.seed import Seeder


def person_failing_at(monkeypatch, index: int) -> None:
    """Make the seed's generator raise RuntimeError("generator failed") on person `index` (in the forked worker
    that makes them); undone with the monkeypatch."""
    person = Seeder._person

    def failing(self, at, rng, ids):
        if at == index:
            raise RuntimeError("generator failed")
        person(self, at, rng, ids)

    monkeypatch.setattr(Seeder, "_person", failing)
