"""payment_start is idempotent while FPX has not answered: a repeated start (a double click) gets the same signed
AR; an expired unanswered attempt is closed when a new one starts; a contribution whose rate is no longer in
force cannot be paid. payment_continue hands out the same AR again (Continue to your bank)."""

import datetime

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_now
from matrix.payments.fpx.exceptions import UnableToTakePayment
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle, payment_settle_body, payment_start
from matrix.payments.services.start import (
    UNANSWERED_OUTCOME,
    payment_continue,
    payment_fpx_answered,
    payment_resumable,
)
from matrix.reference.models import Plan
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db

Channel = FpxMessage.Channel


def start(contribution, bank_code="ABB0233"):
    return payment_start(contribution=contribution, user=contribution.registration.person.user, bank_code=bank_code)


def settle(payment, key, code="00", channel=Channel.AC_DIRECT, **overrides):
    fields = ac_fields(payment, key=key, code=code, **overrides)
    return payment_settle(fields=fields, raw_body=body(fields), channel=channel)


def test_a_repeated_start_returns_the_same_signed_ar():
    contribution = contribution_for()
    first = start(contribution)
    second = start(contribution, bank_code="MBB0228")  # the order is frozen: the first bank stays
    assert not first.repeated and second.repeated
    assert second.payment.pk == first.payment.pk and second.fields == first.fields and second.url == first.url
    assert Payment.objects.count() == 1
    outcomes = list(FpxMessage.objects.filter(channel=Channel.AR).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["sent to the browser", "sent to the browser again (repeated start)"]


def test_a_forged_message_is_not_an_answer(fpx_key, seller_keys):
    """Anyone can post to the callback URL: a message that does not verify must not stop the person reaching
    the bank."""
    contribution = contribution_for()
    first = start(contribution)
    forged = ac_fields(first.payment, key=seller_keys.key, code="09")  # signed with the wrong key
    assert not payment_settle_body(raw_body=body(forged), channel=Channel.AC_DIRECT).accepted
    assert not payment_fpx_answered(payment=first.payment)
    assert start(contribution).fields == first.fields


def test_an_enquiry_answered_not_found_is_not_an_answer(fpx_key):
    """76: FPX never received the AR (the double click whose first answer the browser dropped): the same AR may
    still be posted."""
    contribution = contribution_for()
    first = start(contribution)
    settle(first.payment, fpx_key, code="76", channel=Channel.AE_REPLY)
    first.payment.refresh_from_db()
    assert first.payment.status == Payment.Status.PENDING
    assert payment_resumable(payment=first.payment)
    assert start(contribution).fields == first.fields


@pytest.mark.parametrize("code", ["09", "99"])
def test_a_start_is_refused_once_fpx_answered_pending(fpx_key, code):
    contribution = contribution_for()
    payment = start(contribution).payment
    settle(payment, fpx_key, code=code)
    with pytest.raises(UnableToTakePayment, match="in progress"):
        start(contribution)
    with pytest.raises(UnableToTakePayment, match="in progress"):
        payment_continue(payment=payment, user=contribution.registration.person.user)
    assert Payment.objects.count() == 1


def test_an_expired_unanswered_attempt_is_closed_by_the_next_start(settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    young = aged(start(contribution).payment, 1799)
    assert start(contribution).payment.pk == young.pk
    stale = aged(young, 1801)
    new = start(contribution)
    stale.refresh_from_db()
    assert stale.status == Payment.Status.FAILED and stale.settled_at is not None and not stale.receipt_no
    assert not new.repeated and new.payment.pk != stale.pk and new.payment.status == Payment.Status.PENDING
    assert new.fields["fpx_sellerExOrderNo"] != stale.seller_ex_order_no
    closing = FpxMessage.objects.filter(payment=stale).order_by("pk").last()
    assert closing.channel == Channel.AR and closing.outcome.startswith(UNANSWERED_OUTCOME)
    assert Payment.objects.filter(contribution=contribution, status=Payment.Status.PENDING).count() == 1


def test_a_late_approval_of_the_closed_attempt_still_pays_an_unpaid_contribution(fpx_key, settings):
    """The documented choice: the closed attempt is Failed, and settlement's late-approval rule pays the
    contribution with it if FPX approves it after all."""
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    stale = aged(start(contribution).payment, 1801)
    new = start(contribution).payment
    assert settle(stale, fpx_key, code="00").accepted
    stale.refresh_from_db()
    assert stale.status == Payment.Status.PAID and not stale.refund_due
    assert Contribution.objects.get(pk=contribution.pk).state == Contribution.State.PAID
    # The new attempt, approved too, is money owed back.
    settle(new, fpx_key, code="00")
    new.refresh_from_db()
    assert new.status == Payment.Status.PAID and new.refund_due


def test_an_attempt_fpx_answered_is_not_closed_when_its_ar_expires(fpx_key, settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    payment = start(contribution).payment
    settle(payment, fpx_key, code="09")
    aged(payment, 7200)
    with pytest.raises(UnableToTakePayment, match="in progress"):
        start(contribution)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def _rate_ends_yesterday(contribution):
    yesterday = kl_now().date() - datetime.timedelta(days=1)
    Plan.objects.filter(pk=contribution.plan_id).update(effective_from=yesterday - datetime.timedelta(days=400),
                                                        effective_to=yesterday)


def test_a_contribution_whose_rate_is_no_longer_in_force_cannot_be_paid():
    contribution = contribution_for()
    _rate_ends_yesterday(contribution)
    with pytest.raises(UnableToTakePayment, match="rate of this plan has changed"):
        start(contribution)
    assert not Payment.objects.exists()


def test_nor_can_its_unanswered_attempt_be_continued():
    contribution = contribution_for()
    payment = start(contribution).payment
    _rate_ends_yesterday(contribution)
    for again in (lambda: start(contribution),
                  lambda: payment_continue(payment=payment, user=contribution.registration.person.user)):
        with pytest.raises(UnableToTakePayment, match="rate of this plan has changed"):
            again()
    assert FpxMessage.objects.filter(channel=Channel.AR).count() == 1


def test_continue_returns_the_same_ar_until_it_expires(settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    contribution = contribution_for()
    user = contribution.registration.person.user
    first = start(contribution)
    again = payment_continue(payment=first.payment, user=user)
    assert again.repeated and again.fields == first.fields
    aged(first.payment, 1801)
    with pytest.raises(UnableToTakePayment, match="expired"):
        payment_continue(payment=first.payment, user=user)
    assert Payment.objects.get().status == Payment.Status.PENDING  # Continue never changes the attempt


def test_continue_is_for_the_owner_only(other_user):
    payment = pending_payment_make()
    with pytest.raises(Payment.DoesNotExist):
        payment_continue(payment=payment, user=other_user)


def test_the_ar_validity_is_measured_from_the_attempt(settings):
    settings.FPX_AR_VALIDITY_SECONDS = 60
    contribution = contribution_for()
    payment = start(contribution).payment
    assert payment_resumable(payment=payment, now=payment.created_at + datetime.timedelta(seconds=59))
    assert not payment_resumable(payment=payment, now=payment.created_at + datetime.timedelta(seconds=60))
    assert payment.created_at <= timezone.now()
