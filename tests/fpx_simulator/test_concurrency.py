"""PostgreSQL: ARs arriving at the same second from several threads each get their own 16-digit FPX transaction
id; the same seller order sent concurrently is recorded once; concurrent decisions settle a transaction once."""

import re
import threading

import pytest
from django.db import connection

from matrix.core.kltime import kl_now
from matrix.fpx_simulator import services
from matrix.fpx_simulator.models import SimulatedTransaction
from tests.fpx_simulator.helpers import signed_ar

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = []
    lock = threading.Lock()

    def worker(index):
        try:
            barrier.wait()
            outcome = target(index)
        except Exception as exc:  # noqa: BLE001 - collected for the assertions
            outcome = exc
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_concurrent_ars_in_one_second_get_distinct_ids(time_machine):
    time_machine.move_to(kl_now().replace(microsecond=0), tick=False)
    ars = [signed_ar() for _ in range(8)]
    results = run_together(
        lambda index: services.simulated_transaction_start(data=ars[index], merchant_base_url="http://m.example"), 8
    )
    assert all(isinstance(result, SimulatedTransaction) for result in results), results
    ids = list(SimulatedTransaction.objects.values_list("fpx_txn_id", flat=True))
    assert len(ids) == len(set(ids)) == 8
    assert all(re.fullmatch(r"\d{16}", txn_id) for txn_id in ids)
    assert len({txn_id[:12] for txn_id in ids}) == 1


def test_the_same_order_sent_concurrently_is_recorded_once():
    ar = signed_ar()
    results = run_together(
        lambda _index: services.simulated_transaction_start(data=ar, merchant_base_url="http://m.example"), 6
    )
    assert sum(isinstance(result, SimulatedTransaction) for result in results) == 1
    assert all(isinstance(result, (SimulatedTransaction, services.MessageRefused)) for result in results), results
    assert SimulatedTransaction.objects.count() == 1


def test_concurrent_decisions_apply_once():
    txn = services.simulated_transaction_start(data=signed_ar(), merchant_base_url="http://m.example")
    outcomes = ["approve", "cancel", "insufficient_funds", "approve", "cancel", "insufficient_funds"]
    results = run_together(
        lambda index: services.simulated_transaction_decide(transaction_id=txn.pk, outcome=outcomes[index],
                                                            account_name="ali"), 6
    )
    changed = [result for result in results if not isinstance(result, Exception) and result[1]]
    assert len(changed) == 1
    txn.refresh_from_db()
    assert txn.debit_auth_code == changed[0][0].debit_auth_code
