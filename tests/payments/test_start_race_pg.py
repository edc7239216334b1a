"""payment_start under real concurrency, on PostgreSQL: starts at once for one contribution (a double click
on a multi-worker server) get the same order; a start that closes an expired attempt while FPX's approval of
that attempt arrives neither deadlocks nor loses the money."""

from functools import partial

import pytest

from matrix.contributions.models import Contribution
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle_body, payment_start
from tests.concurrency import race
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, contribution_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _start(contribution):
    started = payment_start(contribution=contribution, user=contribution.registration.person.user,
                            bank_code="ABB0233")
    return started.fields["fpx_sellerExOrderNo"], started.fields["fpx_sellerOrderNo"], started.fields


def test_two_starts_at_once_return_the_same_order_and_leave_one_payment():
    contribution = contribution_for()
    outcomes = race(partial(_start, contribution), threads=2, timeout=60)
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not errors, errors
    (ex_a, order_a, fields_a), (ex_b, order_b, fields_b) = outcomes
    assert (ex_a, order_a) == (ex_b, order_b) and fields_a == fields_b
    payment = Payment.objects.get(contribution=contribution)
    assert payment.seller_ex_order_no == ex_a and payment.status == Payment.Status.PENDING


def test_five_starts_at_once_return_one_order():
    contribution = contribution_for()
    outcomes = race(partial(_start, contribution), threads=5, timeout=60)
    assert not [outcome for outcome in outcomes if isinstance(outcome, BaseException)], outcomes
    assert len({outcome[0] for outcome in outcomes}) == 1
    assert Payment.objects.filter(contribution=contribution).count() == 1


def test_pay_again_racing_the_approval_of_the_expired_attempt(fpx_key, settings):
    """Pay Again closes an expired unanswered attempt while FPX's direct AC approving it arrives. Either order
    is fine; neither deadlocks, and the money pays the contribution exactly once."""
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    stale = Payment.objects.get(seller_ex_order_no=_start(contribution)[0])
    stale = aged(stale, 1801)
    approval = body(ac_fields(stale, key=fpx_key, code="00"))
    outcomes = race(partial(_start, contribution),
                    partial(payment_settle_body, raw_body=approval, channel=FpxMessage.Channel.AC_DIRECT),
                    timeout=60)
    started, settled = outcomes
    assert not isinstance(settled, BaseException) and settled.accepted, settled
    stale.refresh_from_db()
    assert stale.status == Payment.Status.PAID and not stale.refund_due
    assert Contribution.objects.get(pk=contribution.pk).state == Contribution.State.PAID
    if isinstance(started, BaseException):
        # The approval came first ("already paid"), or was being settled when the start looked ("in progress":
        # the start never waits for a settlement while it holds the contribution). Nothing new was opened.
        assert "already paid" in str(started) or "in progress" in str(started)
        assert Payment.objects.filter(contribution=contribution).count() == 1
    else:  # the start came first: a new attempt, whose approval would be money owed back
        assert Payment.objects.filter(contribution=contribution, status=Payment.Status.PENDING).count() == 1
