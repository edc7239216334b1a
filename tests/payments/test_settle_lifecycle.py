"""Settlement at its edges (issue 8): the moment of payment is FPX's approval time; a late approval pays an
unpaid contribution or owes a refund; 76 is not final while the AR is valid; duplicate-order codes never fail an
order; Needs attention is settled forward; a refused body is kept only as a bounded prefix."""

from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.kltime import KL, kl, kl_now, kl_start_of_day
from matrix.notifications.models import Message, OutboxMessage
from matrix.payments.fpx.messages import time_format
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle, payment_settle_body
from matrix.payments.services.settle import REFUSED_BODY_KEPT, approval_time
from tests.factories import contribution_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db

Channel = FpxMessage.Channel
Status = Payment.Status


def settle(payment, key, code="00", *, channel=Channel.AC_DIRECT, now=None, **overrides):
    fields = ac_fields(payment, key=key, code=code, **overrides)
    return payment_settle(fields=fields, raw_body=body(fields), channel=channel, now=now)


def ordered_at(payment, moment: datetime) -> Payment:
    """The attempt as if its AR had been sent at `moment`."""
    Payment.objects.filter(pk=payment.pk).update(created_at=moment, seller_txn_time=time_format(moment))
    payment.refresh_from_db()
    return payment


def failed_by_expired_76(payment, key) -> Payment:
    """An enquiry answered 76 after the AR expired: FPX never saw the order, the attempt is closed as Failed."""
    now = payment.created_at + timedelta(hours=1)
    assert settle(payment, key, code="76", channel=Channel.AE_REPLY, now=now, fpxTxnId="").outcome.startswith("failed")
    payment.refresh_from_db()
    return payment


# --- the moment of payment -------------------------------------------------------------------------------------

def test_approval_time_is_bounded_to_the_order_and_now():
    order = datetime(2026, 3, 1, 10, 0, tzinfo=KL)
    now = order + timedelta(hours=2)
    assert approval_time(fpx_txn_time=order + timedelta(minutes=3), ordered_at=order, now=now) == order + timedelta(
        minutes=3)
    assert approval_time(fpx_txn_time=order - timedelta(seconds=1), ordered_at=order, now=now) == order
    assert approval_time(fpx_txn_time=now + timedelta(seconds=1), ordered_at=order, now=now) == now
    assert approval_time(fpx_txn_time=None, ordered_at=order, now=now) == now


def test_a_direct_ac_lost_and_an_enquiry_hours_later_covers_from_the_approval_time(fpx_key):
    now = timezone.now().replace(microsecond=0)
    payment = ordered_at(pending_payment_make(), now - timedelta(hours=5))
    approved = payment.created_at + timedelta(minutes=2)
    result = settle(payment, fpx_key, channel=Channel.AE_REPLY, now=now, fpxTxnTime=time_format(approved))
    assert result.outcome == "paid"
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert payment.paid_at == approved and payment.settled_at == now
    assert contribution.start_at == approved and contribution.paid_at == approved


@pytest.mark.parametrize(("offset", "bound"), [(timedelta(minutes=-5), "order"), (timedelta(days=1), "now")])
def test_an_approval_time_outside_the_order_and_now_is_clamped(fpx_key, offset, bound):
    now = timezone.now().replace(microsecond=0)
    payment = ordered_at(pending_payment_make(), now - timedelta(hours=1))
    said = (payment.created_at if bound == "order" else now) + offset
    settle(payment, fpx_key, now=now, fpxTxnTime=time_format(said))
    payment.refresh_from_db()
    expected = payment.created_at if bound == "order" else now
    assert payment.paid_at == expected
    assert Contribution.objects.get(pk=payment.contribution_id).start_at == expected


def test_a_renewal_approved_before_the_lapse_and_settled_after_midnight_continues_the_cover(fpx_key):
    """The bank approved at 23:50 on the last day of cover; we learnt of it at 00:20: no 20-minute gap."""
    last_day = (kl_now() - timedelta(days=3)).date()
    end = datetime.combine(last_day, datetime.min.time(), tzinfo=KL).replace(hour=23, minute=59, second=59)
    first = contribution_for(state=Contribution.State.PAID, start_at=end - timedelta(days=30), end_at=end,
                             paid_at=end - timedelta(days=30))
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=1)
    payment = ordered_at(pending_payment_make(contribution=renewal), end - timedelta(minutes=15))
    approved = end - timedelta(minutes=9, seconds=59)  # 23:50:00
    settled = kl_start_of_day(last_day + timedelta(days=1)) + timedelta(minutes=20)
    assert settle(payment, fpx_key, now=settled, fpxTxnTime=time_format(approved)).outcome == "paid"
    renewal.refresh_from_db()
    assert kl(renewal.paid_at).strftime("%H:%M:%S") == "23:50:00"
    assert renewal.start_at == kl_start_of_day(last_day + timedelta(days=1))  # 00:00:00, consecutive


def test_the_receipt_year_is_the_approval_year(fpx_key):
    new_year = datetime(kl_now().year, 1, 1, tzinfo=KL)
    payment = ordered_at(pending_payment_make(), new_year - timedelta(minutes=10))
    settle(payment, fpx_key, now=new_year + timedelta(minutes=10),
           fpxTxnTime=time_format(new_year - timedelta(minutes=5)))
    payment.refresh_from_db()
    assert payment.receipt_no.startswith(str(new_year.year - 1)) and len(payment.receipt_no) == 14


# --- late approvals -------------------------------------------------------------------------------------------

def test_a_late_approval_pays_the_unpaid_contribution_from_its_approval_time(fpx_key,
                                                                            django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)
    payment = failed_by_expired_76(ordered_at(pending_payment_make(), now - timedelta(hours=3)), fpx_key)
    approved = payment.created_at + timedelta(minutes=40)
    with django_capture_on_commit_callbacks(execute=True):
        result = settle(payment, fpx_key, now=now, fpxTxnTime=time_format(approved))
    assert result.accepted and result.outcome == "late approval of a failed attempt: paid"
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert payment.status == Status.PAID and payment.receipt_no and not payment.refund_due
    assert payment.paid_at == approved and contribution.start_at == approved
    assert contribution.state == Contribution.State.PAID and not Refund.objects.exists()
    # One email: "approved after a failure" (it replaces the plain "approved" one), the person's, in their language.
    [email] = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL)
    assert email.subject == f"MATRIX PERKESO: your bank approved your payment of RM 77.60 after all, Receipt " \
                            f"{payment.receipt_no}"
    assert "It pays your contribution: your cover runs until" in email.body
    [message] = Message.objects.filter(channel=Message.Channel.EMAIL)
    assert (message.kind, message.language, message.user_id) == (
        "payment_approved_late", "en", contribution.registration.person.user_id)


def test_a_late_approval_after_another_attempt_paid_owes_a_refund_once_whatever_follows(fpx_key):
    contribution = contribution_for()
    failed = failed_by_expired_76(ordered_at(pending_payment_make(contribution=contribution),
                                             timezone.now() - timedelta(hours=2)), fpx_key)
    paid = pending_payment_make(contribution=contribution)
    assert settle(paid, fpx_key, fpxTxnId="2512271635080002").outcome == "paid"
    contribution.refresh_from_db()
    cover = (contribution.start_at, contribution.end_at)
    late = settle(failed, fpx_key, fpxTxnId="2512271635080003")
    assert late.outcome == "late approval of a failed attempt: paid, refund due: contribution already paid"
    # Duplicates and stale answers, in any order, on every channel, change nothing more.
    for code, channel in [("00", Channel.AC_INDIRECT), ("76", Channel.AE_REPLY), ("51", Channel.AC_DIRECT),
                          ("09", Channel.AE_REPLY), ("00", Channel.AE_REPLY), ("00", Channel.AC_DIRECT)]:
        assert settle(failed, fpx_key, code=code, channel=channel, fpxTxnId="2512271635080003").outcome.startswith(
            "duplicate")
    failed.refresh_from_db()
    contribution.refresh_from_db()
    assert failed.status == Status.PAID and failed.refund_due and failed.receipt_no
    assert (contribution.start_at, contribution.end_at) == cover
    refund = Refund.objects.get()
    assert refund.payment == failed and refund.amount == failed.amount and refund.state == Refund.State.DUE
    assert refund.reason == Refund.Reason.ALREADY_PAID
    assert Payment.objects.filter(contribution=contribution, status=Status.PAID, refund_due=False).get() == paid


@pytest.mark.parametrize("first_approved", ["failed attempt", "pending attempt"])
def test_two_attempts_both_approved_one_covers_one_is_refunded(fpx_key, first_approved):
    contribution = contribution_for()
    failed = failed_by_expired_76(ordered_at(pending_payment_make(contribution=contribution),
                                             timezone.now() - timedelta(hours=2)), fpx_key)
    pending = pending_payment_make(contribution=contribution)
    order = [failed, pending] if first_approved == "failed attempt" else [pending, failed]
    for payment in order:
        assert settle(payment, fpx_key).accepted
    assert Payment.objects.filter(contribution=contribution, status=Status.PAID).count() == 2
    covering = Payment.objects.get(contribution=contribution, status=Status.PAID, refund_due=False)
    assert covering == order[0]
    assert Refund.objects.get().payment == order[1]
    assert Contribution.objects.get(pk=contribution.pk).start_at == covering.paid_at


def test_an_approval_for_a_rejected_contribution_owes_a_refund_with_its_reason(fpx_key):
    payment = pending_payment_make()
    Contribution.objects.filter(pk=payment.contribution_id).update(
        state=Contribution.State.REJECTED, rejected_at=timezone.now(), rejected_reason="Not self-employed")
    assert settle(payment, fpx_key).outcome == "paid, refund due: contribution rejected or cancelled"
    assert Refund.objects.get(payment=payment).reason == Refund.Reason.NOT_PAYABLE


# --- answers that are not final -------------------------------------------------------------------------------

@pytest.mark.parametrize(("age", "status"), [(-1, Status.PENDING), (0, Status.PENDING), (1, Status.FAILED)])
def test_an_enquiry_answered_76_is_final_only_once_the_ar_has_expired(fpx_key, settings, age, status):
    payment = pending_payment_make()
    now = payment.created_at + timedelta(seconds=settings.FPX_AR_VALIDITY_SECONDS + age)
    result = settle(payment, fpx_key, code="76", channel=Channel.AE_REPLY, now=now)
    payment.refresh_from_db()
    assert payment.status == status and payment.debit_auth_code == "76"
    if status == Status.PENDING:
        assert result.outcome == "pending: 76 Transaction not found (not final while the AR is valid)"


@pytest.mark.parametrize("code", ["XO", "XN", "45"])
@pytest.mark.parametrize("hours_old", [0, 5])
def test_duplicate_order_codes_never_fail_an_order(fpx_key, code, hours_old):
    payment = ordered_at(pending_payment_make(), timezone.now() - timedelta(hours=hours_old))
    result = settle(payment, fpx_key, code=code, channel=Channel.AC_INDIRECT)
    payment.refresh_from_db()
    assert result.accepted and result.outcome.startswith(f"pending: {code}")
    assert payment.status == Status.PENDING
    assert FpxMessage.objects.get(payment=payment, channel=Channel.AC_INDIRECT).outcome == result.outcome
    assert settle(payment, fpx_key).outcome == "paid"  # the first posting of the AR is approved after all


# --- Needs attention ------------------------------------------------------------------------------------------

def attention(payment, key):
    settle(payment, key, txnAmount="1.00")
    payment.refresh_from_db()
    assert payment.status == Status.NEEDS_ATTENTION
    return payment


@pytest.mark.parametrize(("code", "status", "refund"), [
    ("00", Status.PAID, False), ("51", Status.FAILED, False), ("09", Status.NEEDS_ATTENTION, False),
    ("76", Status.NEEDS_ATTENTION, False),
])
def test_an_ac_for_a_payment_needing_attention_settles_it_forward(fpx_key, code, status, refund):
    payment = attention(pending_payment_make(), fpx_key)
    assert settle(payment, fpx_key, code=code).accepted
    payment.refresh_from_db()
    assert payment.status == status and payment.refund_due is refund
    paid = Contribution.objects.get(pk=payment.contribution_id).state == Contribution.State.PAID
    assert paid is (status == Status.PAID)


def test_needs_attention_does_not_block_a_new_attempt_whose_approval_then_refunds_the_old_one(fpx_key):
    contribution = contribution_for()
    stuck = attention(pending_payment_make(contribution=contribution), fpx_key)
    fresh = pending_payment_make(contribution=contribution)
    assert fresh.pk != stuck.pk and fresh.status == Status.PENDING
    assert settle(fresh, fpx_key).outcome == "paid"
    assert settle(stuck, fpx_key).outcome == "paid, refund due: contribution already paid"
    assert Refund.objects.get().payment == stuck


def test_the_database_requires_a_reason_for_needs_attention():
    payment = pending_payment_make()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(status=Status.NEEDS_ATTENTION)


# --- refunds in the database ----------------------------------------------------------------------------------

def _paid_refund(key) -> Refund:
    payment = pending_payment_make()
    Contribution.objects.filter(pk=payment.contribution_id).update(state=Contribution.State.REJECTED)
    settle(payment, key)
    return Refund.objects.get(payment=payment)


@pytest.mark.parametrize("changes", [
    {"state": Refund.State.APPROVED},
    {"state": Refund.State.PAID, "approved_at": timezone.now(), "bank_reference": "BR1"},
    {"state": Refund.State.PAID, "approved_at": timezone.now(), "paid_at": timezone.now()},
    {"state": "LOST"},
])
def test_refund_states_carry_their_facts_in_the_database(fpx_key, changes):
    refund = _paid_refund(fpx_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(**changes)


def test_a_refund_moves_due_approved_paid_and_is_one_per_payment(fpx_key):
    refund = _paid_refund(fpx_key)
    now = timezone.now()
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.APPROVED, approved_at=now)
    Refund.objects.filter(pk=refund.pk).update(state=Refund.State.PAID, paid_at=now, bank_reference="IBG123")
    assert Refund.objects.get(pk=refund.pk).state == Refund.State.PAID
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.create(payment=refund.payment, amount=refund.amount, reason=refund.reason)


# --- the log of refused messages ------------------------------------------------------------------------------

def test_a_refused_body_is_kept_only_as_a_bounded_prefix_and_an_accepted_one_whole(fpx_key, seller_keys):
    payment = pending_payment_make()
    forged = body(ac_fields(payment, key=seller_keys.key, buyerName="X" * 20_000))
    assert not payment_settle_body(raw_body=forged, channel=Channel.AC_DIRECT).accepted
    malformed = "fpx_a=1&" * 5_000 + "fpx_a=2"
    assert not payment_settle_body(raw_body=malformed, channel=Channel.AC_DIRECT).accepted
    refused = FpxMessage.objects.filter(outcome__startswith="refused").order_by("pk")
    assert [len(row.body) for row in refused] == [REFUSED_BODY_KEPT, REFUSED_BODY_KEPT]
    assert refused[0].body == forged[:REFUSED_BODY_KEPT]
    genuine = body(ac_fields(payment, key=fpx_key, buyerName="Y" * 3_000))
    assert payment_settle_body(raw_body=genuine, channel=Channel.AC_DIRECT).accepted
    assert FpxMessage.objects.get(payment=payment, outcome="paid").body == genuine
