"""Start an FPX payment: freeze the order in a Pending Payment row and sign the AR the browser posts to FPX.

Starting is idempotent, because a browser may post the bank form twice (a double click, Back then submit
again) and show only the second answer: while the contribution's Pending attempt has had no answer from FPX
and its AR is still valid (FPX_AR_VALIDITY_SECONDS), a repeated start hands out the same AR again, with the same
order numbers and the same signature (RSA PKCS#1 v1.5 is deterministic, so it is rebuilt from the stored row).
The person always reaches the bank, and no second order exists that FPX could approve too.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrix.contributions.models import Contribution
from matrix.core.kltime import kl
from matrix.payments.fpx import config
from matrix.payments.fpx.codes import NOT_FOUND
from matrix.payments.fpx.exceptions import MessageRefused, UnableToTakePayment
from matrix.payments.fpx.messages import amount_format, ar_build, form_parse, time_format
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.order import order_for
from matrix.reference.models import Bank, Plan

Channel = FpxMessage.Channel

# What FPX says about an order: an AC (direct or indirect) or the answer to an enquiry. Forged or unverified
# messages logged against the order are not answers.
ANSWER_CHANNELS = (Channel.AC_DIRECT, Channel.AC_INDIRECT, Channel.AE_REPLY)
UNANSWERED_OUTCOME = "closed as failed: no answer from FPX within the AR validity"

IN_PROGRESS = gettext_lazy("FPX transaction is in progress. Please retry after 60 minutes.")
RATE_CHANGED = gettext_lazy(
    "The contribution rate of this plan has changed since this contribution was made, so it can no longer be "
    "paid. Please cancel this contribution and start again at the current rate."
)
AR_EXPIRED = gettext_lazy(
    "This payment request has expired without an answer from FPX. Please choose Pay Again to make a new payment."
)


@dataclass(frozen=True)
class PaymentStarted:
    """A Pending payment and the signed AR the browser must post to FPX. `repeated`: the AR was handed out
    before (a repeated start, or Continue to your bank)."""

    payment: Payment
    url: str
    fields: dict[str, str]
    repeated: bool = False


# --- Reads the start relies on (and PAYMENT DETAILS shows) ---------------------------------------------------

def payment_fpx_answered(*, payment: Payment) -> bool:
    """Whether FPX has said anything authentic about this attempt (an AC or an enquiry's answer). An enquiry
    answered 76 (transaction not found) is no answer: FPX never received the AR, which is exactly the attempt
    whose AR may be posted again."""
    bodies = FpxMessage.objects.filter(
        payment=payment, channel__in=ANSWER_CHANNELS, signature_valid=True
    ).values_list("body", flat=True)
    for body in bodies:
        try:
            code = form_parse(body).get("fpx_debitAuthCode", "")
        except MessageRefused:
            code = ""
        if code != NOT_FOUND:
            return True
    return False


def payment_ar_valid(*, payment: Payment, now: datetime | None = None) -> bool:
    """Whether FPX still accepts this attempt's AR (it is younger than FPX_AR_VALIDITY_SECONDS)."""
    now = now or timezone.now()
    return payment.created_at > now - timedelta(seconds=settings.FPX_AR_VALIDITY_SECONDS)


def payment_resumable(*, payment: Payment, now: datetime | None = None) -> bool:
    """A Pending attempt whose AR may be posted again: FPX has not answered and the AR is still valid."""
    return (payment.status == Payment.Status.PENDING and payment_ar_valid(payment=payment, now=now)
            and not payment_fpx_answered(payment=payment))


def payment_stale_unanswered(*, payment: Payment, now: datetime | None = None) -> bool:
    """A Pending attempt FPX never answered and whose AR has expired: it can no longer reach the bank, and a new
    attempt (Pay Again) closes it."""
    return (payment.status == Payment.Status.PENDING and not payment_ar_valid(payment=payment, now=now)
            and not payment_fpx_answered(payment=payment))


def contribution_rate_in_force(*, contribution: Contribution, now: datetime | None = None) -> bool:
    """Whether the contribution's plan row (its rate) is in force today, Kuala Lumpur time."""
    today = kl(now or timezone.now()).date()
    return Plan.objects.in_force(today).filter(pk=contribution.plan_id).exists()


# --- Writes ----------------------------------------------------------------------------------------------------

def _order_numbers(*, contribution: Contribution, moment: datetime) -> tuple[str, str]:
    """(seller exchange order no, seller order no): new for every attempt, at most 40 characters."""
    stamp = time_format(moment)
    token = secrets.token_hex(3).upper()
    return f"{stamp}{token}", f"SKSPS{contribution.pk}T{stamp}{token}"


def _ar_for(payment: Payment, *, now: datetime, outcome: str, repeated: bool) -> PaymentStarted:
    """The AR of a stored attempt (deterministic: the same row gives the same signed fields), logged."""
    fields = ar_build(seller=config.seller(), order=order_for(payment), private_key=config.private_key())
    FpxMessage.objects.create(
        payment=payment, channel=Channel.AR, seller_ex_order_no=payment.seller_ex_order_no, body=urlencode(fields),
        outcome=outcome, received_at=now,
    )
    return PaymentStarted(payment=payment, url=config.ar_url(), fields=fields, repeated=repeated)


def _payable_check(contribution: Contribution, *, now: datetime) -> None:
    if contribution.state == Contribution.State.PAID or contribution.payments.filter(
        status=Payment.Status.PAID, refund_due=False
    ).exists():
        raise UnableToTakePayment(_("This contribution is already paid."))
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        raise UnableToTakePayment(_("This contribution cannot be paid."))
    if not contribution_rate_in_force(contribution=contribution, now=now):
        raise UnableToTakePayment(str(RATE_CHANGED))


def _unanswered_close(payment: Payment, *, now: datetime) -> None:
    """Close an attempt FPX never answered within its AR validity as Failed, and say so in the log."""
    payment.status = Payment.Status.FAILED
    payment.settled_at = now
    payment.save(update_fields=["status", "settled_at"])
    FpxMessage.objects.create(
        payment=payment, channel=Channel.AR, seller_ex_order_no=payment.seller_ex_order_no, body="",
        outcome=f"{UNANSWERED_OUTCOME} ({settings.FPX_AR_VALIDITY_SECONDS} s)", received_at=now,
    )
    from matrix.notifications.senders import payment_closed_tell  # "payment failed", once it commits

    payment_id = payment.pk
    transaction.on_commit(lambda: payment_closed_tell(payment_id=payment_id, why="unanswered"), robust=True)


@transaction.atomic
def payment_start(*, contribution: Contribution, user, bank_code: str) -> PaymentStarted:
    """Open a Pending payment for a contribution awaiting payment, and sign the AR for it.

    The order (numbers, amount, bank) is frozen in the Payment row while the person is away at the bank; the
    database allows only one Pending payment per contribution. What a start does with an existing Pending
    attempt of the contribution:

    - FPX has not answered it and its AR is still valid: nothing new is started; its AR is handed out again
      (same order numbers, same signature, the bank chosen the first time). A double click reaches the bank.
    - FPX has not answered it and its AR has expired: the attempt can no longer reach the bank. It is closed
      as Failed in this same transaction ("no answer from FPX within the AR validity" is logged) and a new
      attempt opens. Closing it rather than leaving it Pending keeps one pending attempt per contribution; if
      FPX approves the closed attempt after all, settlement's late-approval rule pays the contribution with it
      when it is still unpaid, or records a refund when the new attempt paid it first.
    - FPX has answered it (pending at the bank, 09/99): the money may be on its way; nothing new starts.

    A contribution whose rate is no longer in force cannot be paid: it is cancelled and started again at the
    current rate.

    Locks: the contribution first, which serialises the starts of one contribution; then a stale attempt is closed
    only if no settlement holds it (SKIP LOCKED: one being settled is "in progress"). Payment rows are locked FOR
    NO KEY UPDATE everywhere, so logging a message against an attempt never waits for its settlement: a start
    never waits for a payment while it holds the contribution, and settlement (payment, then contribution) and
    starts cannot deadlock."""
    now = timezone.now()
    contribution = (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("registration__person__user")
        .get(pk=contribution.pk, registration__person__user=user)
    )
    _payable_check(contribution, now=now)
    pending = contribution.payments.filter(status=Payment.Status.PENDING).first()
    if pending is not None:
        pending.contribution = contribution
        if payment_fpx_answered(payment=pending):
            raise UnableToTakePayment(str(IN_PROGRESS))
        if payment_ar_valid(payment=pending, now=now):
            return _ar_for(pending, now=now, outcome="sent to the browser again (repeated start)", repeated=True)
        free = (Payment.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
                .filter(pk=pending.pk, status=Payment.Status.PENDING).first())
        if free is None:  # FPX's answer is being settled right now
            raise UnableToTakePayment(str(IN_PROGRESS))
        free.contribution = contribution
        _unanswered_close(free, now=now)

    bank_code = (bank_code or "").strip()
    if not bank_code or len(bank_code) > 10 or not bank_code.isalnum():
        raise UnableToTakePayment(_("Select a bank."))
    try:
        amount_format(contribution.amount)
    except ValueError as exc:
        raise UnableToTakePayment(_("This amount cannot be paid by FPX.")) from exc

    ex_order_no, order_no = _order_numbers(contribution=contribution, moment=now)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                contribution=contribution,
                seller_ex_order_no=ex_order_no,
                seller_order_no=order_no,
                seller_txn_time=time_format(now),
                amount=contribution.amount,
                bank=Bank.objects.filter(code=bank_code).first(),
                buyer_bank_id=bank_code,
                created_at=now,
            )
    except IntegrityError as exc:  # cannot happen under the contribution's lock; refuse rather than guess
        raise UnableToTakePayment(str(IN_PROGRESS)) from exc
    payment.contribution = contribution
    return _ar_for(payment, now=now, outcome="sent to the browser", repeated=False)


def payment_continue(*, payment: Payment, user) -> PaymentStarted:
    """Continue to your bank: the same AR of a Pending attempt FPX has not answered, while it is still valid.
    Nothing changes but the log (the AR was handed out again). Refused once FPX has answered, once the AR has
    expired (the person chooses Pay Again), or once the rate is no longer in force."""
    now = timezone.now()
    payment = (
        Payment.objects.select_related("contribution__registration__person__user")
        .get(pk=payment.pk, contribution__registration__person__user=user)
    )
    if payment.status != Payment.Status.PENDING:
        raise UnableToTakePayment(_("This payment is no longer in progress."))
    _payable_check(payment.contribution, now=now)
    if payment_fpx_answered(payment=payment):
        raise UnableToTakePayment(str(IN_PROGRESS))
    if not payment_ar_valid(payment=payment, now=now):
        raise UnableToTakePayment(str(AR_EXPIRED))
    with transaction.atomic():
        return _ar_for(payment, now=now, outcome="sent to the browser again (continue to the bank)", repeated=True)
