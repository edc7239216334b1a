"""The callback storm on PostgreSQL with real concurrency (tests/stress/scenarios.py): every payment's direct AC
5 to 20 times, its indirect ACs and AE answers, shuffled and sent at once. CI runs 100 payments; `make stress`
runs 1,000 (STRESS_FULL=1)."""

import pytest

from tests.stress import scenarios

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_callback_storm_settles_each_payment_once_and_loses_nothing(fpx_key):
    row = scenarios.callback_storm(payments=1000 if scenarios.FULL else 100, key=fpx_key)
    print("\n" + scenarios.table([row]))
    assert row.counts["paid"] == row.counts["approved"] == row.counts["receipt numbers"] == row.counts[
        "receipt emails"], row.summary()
    assert row.counts["pending"] == 0 and row.counts["double settlements"] == 0, row.summary()
    assert row.lost == 0 and row.failures == 0, row.summary()
