"""The bounded life of a Pending payment (issue 8): enquiries with backoff up to a maximum age, then Needs
attention; a run that never overlaps another and stops after its time budget; a person's page that cannot make
us hammer FPX; and no transaction held open while FPX is asked."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from matrix.core.kltime import KL
from matrix.payments.fpx import client
from matrix.payments.fpx.exceptions import GatewayError
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.requery import (
    REQUERY_LEASE,
    enquiry_next_at,
    lease_acquire,
    lease_release,
    payments_requery_run,
)
from matrix.payments.tasks import payment_requery_one, payments_requery_pending
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db

Status = Payment.Status
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)


@pytest.fixture
def fpx_answers(monkeypatch, fpx_key):
    """FPX's enquiry host: answers each AE with the code set for its order (09 if none), or raises the
    exception set in `down`. Records the order numbers asked about."""
    codes: dict[str, str] = {}
    asked: list[str] = []
    down: list[Exception] = []

    def enquiry_send(fields):
        asked.append(fields["fpx_sellerExOrderNo"])
        if down:
            raise down[0]
        payment = Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"])
        return body(ac_fields(payment, key=fpx_key, code=codes.get(payment.seller_ex_order_no, "09")))

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    return codes, asked, down


def ordered_at(payment: Payment, moment: datetime) -> Payment:
    Payment.objects.filter(pk=payment.pk).update(created_at=moment)
    payment.refresh_from_db()
    return payment


def at(moment: datetime):
    return time_machine.travel(moment, tick=False)


def test_the_backoff_schedule_and_its_cap(settings):
    settings.FPX_REQUERY_BACKOFF_SECONDS = [1800, 3600, 7200, 21600]
    settings.FPX_PENDING_MAX_AGE_SECONDS = 3 * 24 * 3600
    created = datetime(2026, 5, 1, 9, 0, tzinfo=KL)
    asked = created + 15 * MINUTE
    steps = [enquiry_next_at(created_at=created, enquiry_count=count, asked_at=asked) - asked
             for count in range(1, 8)]
    assert steps == [30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, 6 * HOUR, 6 * HOUR, 6 * HOUR]
    late = created + timedelta(days=3) - 2 * HOUR
    assert enquiry_next_at(created_at=created, enquiry_count=9, asked_at=late) == created + timedelta(days=3)


def test_a_payment_fpx_keeps_answering_pending_is_asked_on_the_backoff_then_needs_attention(fpx_answers, settings):
    """FPX answers 09 for ever: asked at 15 min, then 30 min, 1 h, 2 h and every 6 h later, never in between,
    the last time at the maximum age of 3 days; then Needs attention, and never asked again."""
    _codes, asked, _down = fpx_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 15 * 60
    settings.FPX_REQUERY_BACKOFF_SECONDS = [1800, 3600, 7200, 21600]
    settings.FPX_PENDING_MAX_AGE_SECONDS = 3 * 24 * 3600
    created = timezone.now().replace(microsecond=0)
    payment = ordered_at(pending_payment_make(), created)
    deadline, steps = created + timedelta(days=3), iter([30 * MINUTE, HOUR, 2 * HOUR])
    expected = [created + 15 * MINUTE]
    while expected[-1] < deadline:
        expected.append(min(expected[-1] + next(steps, 6 * HOUR), deadline))
    asked_at = []
    for moment in expected:
        with at(moment - timedelta(seconds=1)):
            assert payments_requery_pending()["queried"] == 0
        with at(moment):
            assert payments_requery_pending()["queried"] == 1
        asked_at.append(Payment.objects.get(pk=payment.pk).last_enquiry_at)
    assert asked_at == expected and expected[:4] == [created + 15 * MINUTE, created + 45 * MINUTE,
                                                     created + 105 * MINUTE, created + 225 * MINUTE]
    payment.refresh_from_db()
    assert payment.status == Status.NEEDS_ATTENTION and payment.enquiry_count == len(expected)
    assert "still pending 3.0 days" in payment.attention_reason and "09" in payment.attention_reason
    with at(created + timedelta(days=5)):
        assert payments_requery_pending()["queried"] == 0
    assert len(asked) == len(expected)


def test_an_unreachable_fpx_backs_off_then_needs_attention(fpx_answers, settings):
    _codes, asked, down = fpx_answers
    down.append(GatewayError("FPX did not answer"))
    settings.FPX_PENDING_MAX_AGE_SECONDS = 3 * 24 * 3600
    now = timezone.now()
    young = ordered_at(pending_payment_make(), now - HOUR)
    old = ordered_at(pending_payment_make(), now - timedelta(days=3, seconds=1))
    counts = payments_requery_pending()
    assert counts["errors"] == 2 and counts["attention"] == 1 and len(asked) == 2
    young.refresh_from_db()
    old.refresh_from_db()
    assert young.status == Status.PENDING and young.next_enquiry_at > now + 29 * MINUTE
    assert old.status == Status.NEEDS_ATTENTION and "enquiry failed: FPX did not answer" in old.attention_reason
    assert payments_requery_pending()["queried"] + payments_requery_pending()["errors"] == 0  # nothing due now


def test_an_enquiry_answered_76_stays_pending_until_the_ar_expires_then_fails(fpx_answers, settings):
    codes, _asked, _down = fpx_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 15 * 60
    settings.FPX_AR_VALIDITY_SECONDS = 30 * 60
    created = timezone.now().replace(microsecond=0)
    payment = ordered_at(pending_payment_make(), created)
    codes[payment.seller_ex_order_no] = "76"
    with at(created + 15 * MINUTE):
        assert payments_requery_pending()["queried"] == 1
    assert Payment.objects.get(pk=payment.pk).status == Status.PENDING
    with at(created + 45 * MINUTE):
        assert payments_requery_pending()["settled"] == 1
    assert Payment.objects.get(pk=payment.pk).status == Status.FAILED


def test_a_run_stops_after_its_time_budget_and_the_next_run_goes_on(fpx_answers, settings):
    codes, asked, _down = fpx_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    payments = [ordered_at(pending_payment_make(), timezone.now() - (3 - index) * MINUTE) for index in range(3)]
    for payment in payments:
        codes[payment.seller_ex_order_no] = "00"
    ticks = iter(range(0, 1000, 100))  # each look at the clock: 100 s later
    counts = payments_requery_run(budget_seconds=150, clock=lambda: next(ticks))
    assert counts["queried"] == 1 and counts["deferred"] == 2
    assert asked == [payments[0].seller_ex_order_no]
    assert payments_requery_run()["queried"] == 2
    assert set(Payment.objects.values_list("status", flat=True)) == {Status.PAID}


def test_a_run_does_nothing_while_another_holds_the_lease_and_goes_on_once_it_is_free(fpx_answers, settings):
    _codes, asked, _down = fpx_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    pending_payment_make()
    token = lease_acquire(name=REQUERY_LEASE, ttl_seconds=600)
    assert token and lease_acquire(name=REQUERY_LEASE, ttl_seconds=600) is None
    assert payments_requery_pending() == {"queried": 0, "settled": 0, "attention": 0, "errors": 0, "deferred": 0,
                                          "busy": 1}
    assert asked == []
    lease_release(name=REQUERY_LEASE, token=token)
    assert payments_requery_pending()["queried"] == 1


def test_a_lease_left_by_a_run_that_died_expires():
    assert lease_acquire(name="job", ttl_seconds=60)
    assert lease_acquire(name="job", ttl_seconds=60) is None
    with at(timezone.now() + timedelta(seconds=61)):
        assert lease_acquire(name="job", ttl_seconds=60)


def test_the_payment_details_enquiry_cannot_hammer_fpx(fpx_answers, settings):
    _codes, asked, _down = fpx_answers
    settings.FPX_REQUERY_AFTER_SECONDS = 15 * 60
    settings.FPX_ENQUIRY_MIN_INTERVAL_SECONDS = 5 * 60
    created = timezone.now().replace(microsecond=0)
    payment = ordered_at(pending_payment_make(), created)
    with at(created + 4 * MINUTE):  # the person may still be at the bank
        assert payment_requery_one(payment.pk) == "not due"
    with at(created + 6 * MINUTE):
        assert payment_requery_one(payment.pk).startswith("pending: 09")
        assert [payment_requery_one(payment.pk) for _reload in range(5)] == ["not due"] * 5
    with at(created + 11 * MINUTE):
        assert payment_requery_one(payment.pk).startswith("pending: 09")
    assert len(asked) == 2
    assert FpxMessage.objects.filter(payment=payment, channel=FpxMessage.Channel.AE).count() == 2
    Payment.objects.filter(pk=payment.pk).update(status=Status.FAILED, settled_at=timezone.now())
    assert payment_requery_one(payment.pk) == "not pending"


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_fpx_is_asked(fpx_answers, monkeypatch, settings, fpx_key):
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    payment = pending_payment_make()
    seen = []

    def enquiry_send(fields):
        seen.append(connection.in_atomic_block)
        return body(ac_fields(payment, key=fpx_key, code="00"))

    monkeypatch.setattr(client, "enquiry_send", enquiry_send)
    assert payments_requery_pending()["settled"] == 1
    assert seen == [False]
