"""Payment messages under real concurrency (PostgreSQL): a new start closing an attempt FPX never answered races
FPX's approval of that same attempt. Whichever wins, the person hears one approval (one SMS, one email with the
receipt) and is told "payment failed" only if the close really came first, and then the approval is the "approved
after a failure" one; a close whose message is late (it runs after the approval committed) tells nothing."""

import threading
from functools import partial

import pytest

from matrix.notifications.models import Message
from matrix.payments.fpx.exceptions import UnableToTakePayment
from matrix.payments.models import Payment
from matrix.payments.services import payment_settle, payment_start
from tests.concurrency import race, wait_until
from tests.payments.conftest import _fpx_settings, fpx_keys  # noqa: F401 - the FPX keys of the payments tests
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, contribution_for, pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_start_closing_an_unanswered_attempt_races_its_approval(settings, fpx_keys):  # noqa: F811
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    key = fpx_keys[0].key
    orders = set()
    for round_no in range(2):
        contribution = contribution_for()
        user = contribution.registration.person.user
        stale = aged(pending_payment_make(contribution=contribution), 1801)
        fields = ac_fields(stale, key=key, fpxTxnId=f"25122716350800{round_no:02d}")
        start = partial(payment_start, contribution=contribution, user=user, bank_code="ABB0233")
        approve = partial(payment_settle, fields=fields, raw_body=body(fields), channel="AC_DIRECT")
        started, settled = race(start, approve)
        assert settled.accepted, settled
        assert not isinstance(started, Exception) or isinstance(started, UnableToTakePayment), started
        stale.refresh_from_db()
        assert stale.status == Payment.Status.PAID and not stale.refund_due
        told = list(Message.objects.filter(user=user).values_list("kind", "channel"))
        failed = sorted(channel for kind, channel in told if kind == "payment_failed")
        approvals = sorted((kind, channel) for kind, channel in told if kind != "payment_failed")
        if settled.outcome.startswith("late approval"):  # the close committed first
            orders.add("close first")
            assert approvals == [("payment_approved_late", "EMAIL"), ("payment_approved_late", "SMS")], told
            assert failed in ([], ["EMAIL", "SMS"]), told  # [] when the close's message ran after the approval
        else:  # the approval held the attempt: the start was "in progress" and rolled back
            orders.add("approval first")
            assert isinstance(started, UnableToTakePayment), started
            assert approvals == [("payment_approved", "EMAIL"), ("payment_approved", "SMS")], told
            assert failed == [], told
    assert orders  # which orders happened is up to the scheduler; each is checked above


def test_a_close_whose_message_comes_after_the_late_approval_tells_only_the_approval(settings, fpx_keys,  # noqa: F811
                                                                                    monkeypatch):
    """The fixed interleaving: the start closes the attempt and commits, its "payment failed" is held back; FPX's
    approval of the closed attempt commits (a late approval); then the held message runs."""
    from django.db import connection

    from matrix.notifications import senders

    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    user = contribution.registration.person.user
    stale = aged(pending_payment_make(contribution=contribution), 1801)
    reached, release = threading.Event(), threading.Event()
    tell = senders.payment_closed_tell

    def held_back(**kwargs):
        reached.set()
        release.wait(60)
        return tell(**kwargs)

    monkeypatch.setattr(senders, "payment_closed_tell", held_back)
    outcome = []

    def start():
        try:
            outcome.append(payment_start(contribution=contribution, user=user, bank_code="ABB0233"))
        finally:
            connection.close()

    thread = threading.Thread(target=start, daemon=True)
    thread.start()
    try:
        wait_until(reached.is_set, timeout=30, message="the start never closed the attempt")
        stale.refresh_from_db()
        assert stale.status == Payment.Status.FAILED  # committed before its message
        fields = ac_fields(stale, key=fpx_keys[0].key)
        assert payment_settle(fields=fields, raw_body=body(fields), channel="AC_DIRECT").outcome == (
            "late approval of a failed attempt: paid")
    finally:
        release.set()
        thread.join(60)
    assert outcome and not thread.is_alive()
    assert sorted(Message.objects.filter(user=user).values_list("kind", "channel")) == [
        ("payment_approved_late", "EMAIL"), ("payment_approved_late", "SMS")]
