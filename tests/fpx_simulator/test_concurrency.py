"""PostgreSQL: ARs arriving at the same second from several threads each get their own 16-digit FPX transaction
id; the same seller order sent concurrently is recorded once; concurrent decisions settle a transaction once."""

import re
from functools import partial

import pytest

from matrix.core.kltime import kl_now
from matrix.fpx_simulator import services
from matrix.fpx_simulator.models import SimulatedTransaction
from tests.concurrency import race
from tests.fpx_simulator.helpers import signed_ar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_ars_in_one_second_get_distinct_ids(time_machine):
    time_machine.move_to(kl_now().replace(microsecond=0), tick=False)
    ars = [signed_ar() for _ in range(8)]
    results = race(*[partial(services.simulated_transaction_start, data=ar, merchant_base_url="http://m.example")
                     for ar in ars])
    assert all(isinstance(result, SimulatedTransaction) for result in results), results
    ids = list(SimulatedTransaction.objects.values_list("fpx_txn_id", flat=True))
    assert len(ids) == len(set(ids)) == 8
    assert all(re.fullmatch(r"\d{16}", txn_id) for txn_id in ids)
    assert len({txn_id[:12] for txn_id in ids}) == 1


def test_the_same_order_sent_concurrently_is_recorded_once():
    ar = signed_ar()
    results = race(partial(services.simulated_transaction_start, data=ar, merchant_base_url="http://m.example"),
                   threads=6)
    assert sum(isinstance(result, SimulatedTransaction) for result in results) == 1
    assert all(isinstance(result, (SimulatedTransaction, services.MessageRefused)) for result in results), results
    assert SimulatedTransaction.objects.count() == 1


def test_concurrent_decisions_apply_once():
    txn = services.simulated_transaction_start(data=signed_ar(), merchant_base_url="http://m.example")
    outcomes = ["approve", "cancel", "insufficient_funds", "approve", "cancel", "insufficient_funds"]
    results = race(*[partial(services.simulated_transaction_decide, transaction_id=txn.pk, outcome=outcome,
                             account_name="ali") for outcome in outcomes])
    changed = [result for result in results if not isinstance(result, Exception) and result[1]]
    assert len(changed) == 1
    txn.refresh_from_db()
    assert txn.debit_auth_code == changed[0][0].debit_auth_code
