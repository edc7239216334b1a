"""Settle a payment from FPX's answers.

Read `payment_settle` top to bottom to see how a payment becomes Paid exactly once: every direct AC, indirect
AC and AE answer goes through it; it logs the raw message, verifies it, locks the payment row, and only ever
moves a payment forward (Pending -> Paid or Failed). The first approval fixes the contribution's coverage
period, draws the receipt number and queues the receipt email after commit.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from matrix.contributions.services import ContributionNotPayable, contribution_mark_paid
from matrix.core.identifiers import receipt_no_next
from matrix.payments.fpx import checksum, config
from matrix.payments.fpx.exceptions import MessageRefused
from matrix.payments.fpx.messages import AuthConfirmation, ac_from_fields, form_parse
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.receipts import receipt_email_send
from matrix.reference.models import Bank

logger = logging.getLogger(__name__)

Channel = FpxMessage.Channel


@dataclass(frozen=True)
class SettleResult:
    """What settlement made of one FPX message. `accepted`: authentic and about a known order (the direct URL
    answers `OK`); `outcome` is what the log row says."""

    accepted: bool
    outcome: str
    payment: Payment | None = None


def _log(*, payment: Payment | None, channel: str, raw_body: str, ex_order_no: str, signature_valid: bool | None,
         outcome: str, remote_addr: str | None, now: datetime) -> None:
    FpxMessage.objects.create(
        payment=payment, channel=channel, seller_ex_order_no=ex_order_no[:40], body=raw_body,
        signature_valid=signature_valid, outcome=outcome[:200], remote_addr=remote_addr or None, received_at=now,
    )


def _mismatch(payment: Payment, ac: AuthConfirmation) -> str:
    """Why an authentic AC does not belong to this stored attempt ('' when it does)."""
    seller = config.seller()
    if ac.amount != payment.amount:
        return f"amount RM{ac.amount} differs from the order's RM{payment.amount}"
    if ac.seller_order_no != payment.seller_order_no:
        return "seller order number differs from the order's"
    if ac.seller_ex_id != seller.ex_id or ac.seller_id != seller.id:
        return "seller exchange or seller differs from ours"
    return ""


def _bank_for(code: str, current: Bank | None) -> Bank | None:
    """The bank FPX says the buyer paid from, when our reference data knows its code; else the chosen one."""
    if not code:
        return current
    return Bank.objects.filter(code=code).first() or current


def _approve(payment: Payment, ac: AuthConfirmation, *, now: datetime) -> str:
    """The first approval of `payment`: fix the cover (unless the contribution is already paid, in which case
    the money is owed back), draw the receipt number, and queue the receipt email after commit."""
    refund_due = False
    try:
        contribution_mark_paid(contribution=payment.contribution, paid_at=now)
    except ContributionNotPayable:
        refund_due = True
    payment.status = Payment.Status.PAID
    payment.refund_due = refund_due
    payment.receipt_no = receipt_no_next()
    payment.debit_auth_code = ac.debit_auth_code[:4]
    payment.credit_auth_code = ac.credit_auth_code[:4]
    payment.fpx_txn_id = ac.fpx_txn_id[:20]
    payment.fpx_txn_time = ac.fpx_txn_time
    payment.bank = _bank_for(ac.buyer_bank_id, payment.bank)
    payment.settled_at = now
    payment.save(update_fields=["status", "refund_due", "receipt_no", "debit_auth_code", "credit_auth_code",
                                "fpx_txn_id", "fpx_txn_time", "bank", "settled_at"])
    payment_id = payment.pk
    transaction.on_commit(lambda: receipt_email_send(payment_id=payment_id), robust=True)
    return "paid, refund due: contribution already paid" if refund_due else "paid"


def _fail(payment: Payment, ac: AuthConfirmation, *, now: datetime) -> str:
    payment.status = Payment.Status.FAILED
    payment.debit_auth_code = ac.debit_auth_code[:4]
    payment.credit_auth_code = ac.credit_auth_code[:4]
    payment.fpx_txn_id = ac.fpx_txn_id[:20]
    payment.fpx_txn_time = ac.fpx_txn_time
    payment.bank = _bank_for(ac.buyer_bank_id, payment.bank)
    payment.settled_at = now
    payment.save(update_fields=["status", "debit_auth_code", "credit_auth_code", "fpx_txn_id", "fpx_txn_time",
                                "bank", "settled_at"])
    return f"failed: {ac.debit_auth_code} {ac.meaning}"


def _still_pending(payment: Payment, ac: AuthConfirmation) -> str:
    payment.debit_auth_code = ac.debit_auth_code[:4]
    update = ["debit_auth_code"]
    if ac.fpx_txn_id and not payment.fpx_txn_id:
        payment.fpx_txn_id, payment.fpx_txn_time = ac.fpx_txn_id[:20], ac.fpx_txn_time
        update += ["fpx_txn_id", "fpx_txn_time"]
    payment.save(update_fields=update)
    return f"pending: {ac.debit_auth_code} {ac.meaning}"


def _approved_after_failure(payment: Payment, ac: AuthConfirmation) -> str:
    """FPX approved a payment we had closed as Failed: flag the money for refund (visible to staff in the admin
    and to the person on PAYMENT DETAILS) and keep FPX's transaction id for the refund. Idempotent."""
    update = []
    if not payment.refund_due:
        payment.refund_due = True
        update.append("refund_due")
    if ac.fpx_txn_id and not payment.fpx_txn_id:
        payment.fpx_txn_id, payment.fpx_txn_time = ac.fpx_txn_id[:20], ac.fpx_txn_time
        update += ["fpx_txn_id", "fpx_txn_time"]
    if update:
        payment.save(update_fields=update)
    return "approved after it failed: refund due"


@transaction.atomic
def payment_settle(*, fields: dict[str, str], raw_body: str, channel: str, remote_addr: str | None = None,
                   now: datetime | None = None) -> SettleResult:
    """Apply one AC (direct, indirect, or the answer to an AE). Idempotent: keyed on the seller exchange order
    number; the payment row is locked, so concurrent copies of one AC settle it exactly once.

    Refused messages (bad checksum, expired certificate, unknown order, amount or seller mismatch) change
    nothing but are logged like every other message."""
    now = now or timezone.now()
    ex_order_no = str(fields.get("fpx_sellerExOrderNo", ""))

    def refuse(reason: str, *, signature_valid: bool | None, payment: Payment | None = None) -> SettleResult:
        logger.warning("FPX %s for order %r refused: %s", channel, ex_order_no[:40], reason)
        _log(payment=payment, channel=channel, raw_body=raw_body, ex_order_no=ex_order_no,
             signature_valid=signature_valid, outcome=f"refused: {reason}", remote_addr=remote_addr, now=now)
        return SettleResult(accepted=False, outcome=f"refused: {reason}", payment=payment)

    # 1. Authentic? (A forged message is still logged, against the order it names, if any.)
    certificates = config.certificates()
    if not checksum.message_verify(fields, "AC", certificates, now=now):
        named = Payment.objects.filter(seller_ex_order_no=ex_order_no).first() if ex_order_no else None
        return refuse("checksum does not verify", signature_valid=False, payment=named)
    try:
        ac = ac_from_fields(fields, certificates=certificates, now=now)
    except MessageRefused as exc:
        named = Payment.objects.filter(seller_ex_order_no=ex_order_no).first() if ex_order_no else None
        return refuse(str(exc), signature_valid=True, payment=named)

    # 2. About one of our orders, as we sent it? Lock the attempt: one settlement at a time.
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("contribution", "bank")
        .filter(seller_ex_order_no=ac.seller_ex_order_no)
        .first()
    )
    if payment is None:
        return refuse("unknown seller exchange order number", signature_valid=True)
    mismatch = _mismatch(payment, ac)
    if mismatch:
        return refuse(mismatch, signature_valid=True, payment=payment)

    # 3. Forward only: Pending -> Paid or Failed; a settled payment never changes again.
    if payment.status != Payment.Status.PENDING:
        outcome = f"duplicate: already {payment.status}, message says {ac.debit_auth_code}"
        if ac.status == Payment.Status.PAID and payment.status == Payment.Status.FAILED:
            # Money taken for an attempt we already closed as failed (e.g. an enquiry answered 76 before the
            # bank approved): the status stays Failed (forward only, no cover), but the money is owed back.
            outcome += f"; {_approved_after_failure(payment, ac)}"
            logger.error("FPX %s approves %s, which is already FAILED: flagged refund due", channel,
                         payment.seller_ex_order_no)
        elif ac.status != payment.status:
            logger.warning("FPX %s for %s says %s but the payment is %s", channel, payment.seller_ex_order_no,
                           ac.debit_auth_code, payment.status)
    elif ac.status == Payment.Status.PAID:
        outcome = _approve(payment, ac, now=now)
    elif ac.status == Payment.Status.FAILED:
        outcome = _fail(payment, ac, now=now)
    else:
        outcome = _still_pending(payment, ac)
    _log(payment=payment, channel=channel, raw_body=raw_body, ex_order_no=ex_order_no, signature_valid=True,
         outcome=outcome, remote_addr=remote_addr, now=now)
    return SettleResult(accepted=True, outcome=outcome, payment=payment)


def payment_settle_body(*, raw_body: str | bytes, channel: str, remote_addr: str | None = None) -> SettleResult:
    """`payment_settle` for a raw urlencoded body (the views and the re-query use this): parsed here, so that
    a malformed body is logged and refused like a forged one."""
    text = raw_body.decode("utf-8", errors="replace") if isinstance(raw_body, bytes) else raw_body
    text = text.replace("\x00", "\ufffd")  # the log keeps the body as text; PostgreSQL refuses NUL in text
    try:
        fields = form_parse(raw_body)
    except MessageRefused as exc:
        now = timezone.now()
        with transaction.atomic():
            _log(payment=None, channel=channel, raw_body=text, ex_order_no="", signature_valid=None,
                 outcome=f"refused: {exc}", remote_addr=remote_addr, now=now)
        return SettleResult(accepted=False, outcome=f"refused: {exc}")
    return payment_settle(fields=fields, raw_body=text, channel=channel, remote_addr=remote_addr)


REFUSED_BODY_KEPT = 2048  # characters of a refused body kept in the log


@transaction.atomic
def payment_message_refuse(*, body_prefix: str | bytes, channel: str, reason: str,
                           remote_addr: str | None = None) -> SettleResult:
    """Log a message refused before it was parsed (too large, rate-limited): only a bounded prefix is kept."""
    text = body_prefix.decode("utf-8", errors="replace") if isinstance(body_prefix, bytes) else body_prefix
    text = text[:REFUSED_BODY_KEPT].replace("\x00", "\ufffd")
    _log(payment=None, channel=channel, raw_body=text, ex_order_no="", signature_valid=None,
         outcome=f"refused: {reason}", remote_addr=remote_addr, now=timezone.now())
    return SettleResult(accepted=False, outcome=f"refused: {reason}")
