"""Run code in several threads at once, for race tests on PostgreSQL (marked ``postgres``).

Each thread opens its own database connection, so the test must use ``django_db(transaction=True)``: what the
test has written is committed and visible to the threads, and what the threads write is visible to the test.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction


def race(*workers: Callable[[], Any], threads: int | None = None, timeout: float = 30) -> list:
    """Start the threads, release them together with a ``threading.Barrier`` and return what each one ended with.

    ``race(worker)`` runs ``worker()`` in 2 threads, ``race(worker, threads=5)`` in 5; ``race(w1, w2, w3)`` runs
    each worker in a thread of its own (bind arguments with ``functools.partial``). The list holds, in thread
    order, each thread's return value or the exception instance it raised (never re-raised: assert on it).
    Each thread closes its own database connection when it ends. Fails the test if a thread has not finished
    ``timeout`` seconds after the start (``timeout`` also bounds the wait at the barrier).
    """
    if not workers:
        raise TypeError("race() needs a worker")
    if threads is not None:
        if len(workers) != 1:
            raise TypeError("race(): threads= goes with a single worker")
        workers *= threads
    elif len(workers) == 1:
        workers *= 2
    barrier = threading.Barrier(len(workers))
    outcomes: list = [None] * len(workers)

    def run(index: int, worker: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[index] = worker()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcomes[index] = exc
        finally:
            connection.close()

    started = [threading.Thread(target=run, args=(index, worker), daemon=True) for index, worker in
               enumerate(workers)]
    deadline = time.monotonic() + timeout
    for thread in started:
        thread.start()
    for thread in started:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = sum(thread.is_alive() for thread in started)
    if alive:
        pytest.fail(f"race(): {alive} of {len(started)} threads still running after {timeout} s", pytrace=False)
    return outcomes


def wait_until(condition: Callable[[], Any], *, timeout: float = 60, interval: float = 0.05, message: str = "") -> Any:
    """Poll ``condition()`` until it returns something truthy and return that; fail the test if it has not after
    ``timeout`` seconds (a deadline for a condition that is expected to come true, not a measured duration).
    ``message`` may be a callable, evaluated only on failure (e.g. to read a log)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            pytest.fail(f"wait_until: condition not met within {timeout} s. {text}".rstrip(), pytrace=False)
        time.sleep(interval)


class LockHeld:
    """Hold a PostgreSQL lock in a connection of its own, from a thread of its own, until ``waiters`` other
    sessions of this database wait for a lock; then release it (commit).

    It turns a race into a fixed interleaving without timing: take a lock the racing code needs *after* the
    step under test (e.g. the table a later insert writes to), run the racers with ``race()``, and they all
    pile up behind it before any of them commits. Code that serialises them (a row lock taken earlier) shows up
    as one racer waiting on that earlier lock instead. ``released_on_waiters`` says whether the waiters came
    (False: the deadline passed and the lock was let go anyway; the racers never reached it).

        with LockHeld(f"LOCK TABLE {table} IN EXCLUSIVE MODE", waiters=2) as held:
            outcomes = race(worker_a, worker_b)
        assert held.released_on_waiters
    """

    def __init__(self, statement: str, *, waiters: int, timeout: float = 60):
        self.statement, self.waiters, self.timeout = statement, waiters, timeout
        self.released_on_waiters = False
        self._locked = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._hold, daemon=True, name="lock-held")

    def _waiting(self, cursor) -> int:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is a per-transaction snapshot
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]

    def _hold(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(self.statement)
                self._locked.set()
                deadline = time.monotonic() + self.timeout
                while time.monotonic() < deadline:
                    if self._waiting(cursor) >= self.waiters:
                        self.released_on_waiters = True
                        break
                    time.sleep(0.02)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            self._error = exc
        finally:
            self._locked.set()
            connection.close()

    def __enter__(self) -> "LockHeld":
        self._thread.start()
        self._locked.wait(self.timeout)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc_info) -> None:
        self._thread.join(self.timeout)
        if self._thread.is_alive():
            pytest.fail(f"LockHeld: the holder thread is still running after {self.timeout} s", pytrace=False)
        if self._error is not None and exc_info[0] is None:
            raise self._error
