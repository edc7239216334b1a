"""Benchmarks print figures as ratios against a baseline measured in the same run, so they read the same on a
slow or a fast machine. They assert only sanity bounds, never wall-clock times."""

import time
import tracemalloc
from collections.abc import Callable

import pytest

RESULTS: list[tuple[str, str]] = []


def per_call_seconds(function: Callable[[], object], *, repeat: int = 5, number: int = 200) -> float:
    """Best-of-`repeat` mean time of one call, the usual way to damp noise from the other core."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def peak_bytes(function: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def report(name: str, figure: str) -> None:
    RESULTS.append((name, figure))


@pytest.fixture(scope="session", autouse=True)
def _print_results():
    yield
    if RESULTS:
        width = max(len(name) for name, _ in RESULTS)
        print("\n\nMATRIX benchmarks (ratios against a baseline measured in the same run)")
        for name, figure in RESULTS:
            print(f"  {name.ljust(width)}  {figure}")
