"""Faults, on PostgreSQL (tests/stress/scenarios.py): FPX's enquiry host down, slow, failing and answering
garbage while payments wait for their answer; then recovery. (PostgreSQL restarted between AR and AC:
tests/payments/test_pg_restart_pg.py; the SMS gateway and SMTP down, the broker down and a worker killed mid-send:
tests/notifications/test_messages.py and test_worker_pg.py.)"""

import pytest

from matrix.backoffice.models import Role
from tests.backoffice.conftest import make_staff
from tests.stress import scenarios

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fpx_host_faults_keep_payments_pending_then_every_one_settles(fpx_key, seller_keys):
    supervisor = make_staff("supervisor1", Role.SUPERVISOR)
    row = scenarios.fpx_host_faults(payments_per_fault=40 if scenarios.FULL else 3, key=fpx_key,
                                    runs_per_fault=2 if scenarios.FULL else 1,
                                    forged_key=seller_keys.key, staff_user=supervisor.user)
    print("\n" + scenarios.table([row]))
    assert row.counts["paid"] + row.counts["failed"] == row.counts["payments"], row.summary()
    assert row.counts["paid"] == row.counts["approved"] and row.counts["still open"] == 0, row.summary()
    assert row.lost == 0 and row.failures == 0, row.summary()
