"""Races of the payment lifecycle on PostgreSQL, with real threads: two re-query runs at once (one works, the
other returns at once), two page-queued enquiries at once (one AE), and two attempts of one contribution
approved at the same moment (one covers, the other is refunded)."""

import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.payments.fpx import client
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle_body
from matrix.payments.services.requery import payments_requery_run
from matrix.payments.tasks import payment_requery_one, payments_requery_pending
from tests.concurrency import race
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Status = Payment.Status


def _wait(event: threading.Event, seconds: float = 30) -> bool:
    """Wait for `event`, polling with a deadline."""
    deadline = time.monotonic() + seconds
    while not event.is_set() and time.monotonic() < deadline:
        event.wait(0.05)
    return event.is_set()


def test_two_runs_at_once_one_does_the_work_the_other_returns_at_once(monkeypatch, fpx_key, settings):
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    payments = [pending_payment_make() for _ in range(3)]
    asked: list[str] = []
    other_returned = threading.Event()

    def enquiry_send(fields):
        # The working run stays inside its first enquiry until the other run has returned.
        if not asked:
            asked.append(fields["fpx_sellerExOrderNo"])
            assert _wait(other_returned), "the other run did not return while this one held the lease"
        else:
            asked.append(fields["fpx_sellerExOrderNo"])
        payment = Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"])
        return body(ac_fields(payment, key=fpx_key, code="00"))

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)

    def run():
        counts = payments_requery_pending()
        if counts["busy"]:
            other_returned.set()
        return counts

    first, second = race(run, timeout=60)
    assert not isinstance(first, BaseException) and not isinstance(second, BaseException), (first, second)
    busy, worked = sorted([first, second], key=lambda counts: -counts["busy"])
    assert busy == {"queried": 0, "settled": 0, "attention": 0, "errors": 0, "deferred": 0, "busy": 1}
    assert worked["queried"] == 3 and worked["settled"] == 3 and worked["busy"] == 0
    assert sorted(asked) == sorted(payment.seller_ex_order_no for payment in payments)
    assert set(Payment.objects.values_list("status", flat=True)) == {Status.PAID}


def test_page_enquiries_queued_at_once_send_one_ae(monkeypatch, fpx_key, settings):
    settings.FPX_REQUERY_AFTER_SECONDS = 15 * 60
    payment = pending_payment_make()
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=20))

    def enquiry_send(fields):
        return body(ac_fields(payment, key=fpx_key, code="09"))

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    outcomes = race(partial(payment_requery_one, payment.pk), threads=4, timeout=60)
    assert sorted(outcomes) == ["not due"] * 3 + ["pending: 09 Transaction Pending"], outcomes
    assert FpxMessage.objects.filter(payment=payment, channel=FpxMessage.Channel.AE).count() == 1
    assert Payment.objects.get(pk=payment.pk).enquiry_count == 1


def test_a_late_approval_and_another_attempts_approval_at_once_cover_once_and_refund_once(fpx_key):
    contribution = contribution_for()
    failed = pending_payment_make(contribution=contribution)
    Payment.objects.filter(pk=failed.pk).update(
        status=Status.FAILED, debit_auth_code="76", settled_at=timezone.now(),
        created_at=timezone.now() - timedelta(hours=2))
    failed.refresh_from_db()
    pending = pending_payment_make(contribution=contribution)
    jobs = [partial(payment_settle_body, raw_body=body(ac_fields(payment, key=fpx_key, fpxTxnId=txn)),
                    channel=FpxMessage.Channel.AC_DIRECT)
            for payment, txn in ((failed, "2512271635080001"), (pending, "2512271635080002"))]
    results = race(*jobs, timeout=60)
    assert all(not isinstance(result, BaseException) and result.accepted for result in results), results
    covering = Payment.objects.get(contribution=contribution, status=Status.PAID, refund_due=False)
    refunded = Payment.objects.get(contribution=contribution, status=Status.PAID, refund_due=True)
    assert {covering.pk, refunded.pk} == {failed.pk, pending.pk}
    assert Refund.objects.get().payment_id == refunded.pk
    assert Contribution.objects.get(pk=contribution.pk).start_at == covering.paid_at


def test_a_run_asks_about_several_payments_at_once_and_each_exactly_once(monkeypatch, fpx_key, settings):
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    payments = [pending_payment_make() for _ in range(12)]
    asked: list[str] = []
    lock = threading.Lock()
    in_flight, most = [0], [0]
    two_at_once = threading.Event()

    def enquiry_send(fields):
        with lock:
            asked.append(fields["fpx_sellerExOrderNo"])
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
            if in_flight[0] >= 2:
                two_at_once.set()
        try:
            # The first enquiries wait (bounded) until another is in flight beside them: a pool, not one at a time.
            if len(asked) <= 2:
                _wait(two_at_once)
            payment = Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"])
            return body(ac_fields(payment, key=fpx_key, code="00"))
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    counts = payments_requery_run(concurrency=4)
    assert counts["queried"] == 12 and counts["settled"] == 12 and counts["errors"] == 0, counts
    assert most[0] >= 2
    assert sorted(asked) == sorted(payment.seller_ex_order_no for payment in payments)  # each one once
    assert set(Payment.objects.values_list("status", flat=True)) == {Status.PAID}
    assert FpxMessage.objects.filter(channel=FpxMessage.Channel.AE).count() == 12
    # Two runs cannot overlap, and a payment asked about is not due again: a second run asks nothing.
    assert payments_requery_run(concurrency=4)["queried"] == 0
