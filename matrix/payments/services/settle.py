"""Settle a payment from FPX's answers.

Read `payment_settle` top to bottom to see how a payment becomes Paid exactly once: every direct AC, indirect
AC and AE answer goes through it; it logs the raw message, verifies it, locks the payment row, and only ever
moves a payment forward:

    Pending / Needs attention -> Paid (code 00) or Failed (a final refusal); Failed -> Paid (a late approval).

FPX's word on the money wins: an authentic approval of an attempt we had closed as Failed (an enquiry answered 76
before the bank approved) pays the contribution if it is still unpaid. Only when the contribution cannot take it
(another attempt paid it, or it was rejected or cancelled) is the money owed back: a Refund row, Due.

The moment of payment is FPX's approval time, not the moment we learn of it: a direct AC lost and an enquiry
answered hours later still starts the cover when the bank approved. It is bounded to [the AR's time, now] (FPX's
clock is not ours). The approval fixes the contribution's coverage period and draws the receipt number (of the
approval's year); the payment is marked to be told, and once it commits a worker sends the receipt email and the
SMS (`payments_tell_kick`: the request that settled never builds the PDF, nor publishes a task per settlement).

`payment_approve` is that approval, and the only one: a Supervisor settling a payment that needs a person (with
FPX's evidence) and a counter payment (services/counter.py) go through it too, so every receipt number, cover and
refund comes from one place.
"""

import functools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.contributions.services import ContributionNotPayable, contribution_mark_paid
from matrix.core.identifiers import receipt_no_next
from matrix.core.kltime import kl
from matrix.core.rows import model_columns, model_from_row
from matrix.notifications.senders import payment_settled_tell
from matrix.payments.fpx import checksum, config
from matrix.payments.fpx.codes import NOT_FOUND, status_for_code
from matrix.payments.fpx.exceptions import MessageRefused
from matrix.payments.fpx.messages import AuthConfirmation, ac_from_fields, form_parse
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.receipts import receipt_email_send
from matrix.reference.models import Bank
from matrix.registrations.models import Registration
from matrix.reports.summary import summary_day_stale

logger = logging.getLogger(__name__)

Channel = FpxMessage.Channel
Status = Payment.Status
OPEN = (Status.PENDING, Status.NEEDS_ATTENTION)  # not settled yet: a final answer still moves them

REFUSED_BODY_KEPT = 2048  # characters of a refused body kept in the log


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


def approval_time(*, fpx_txn_time: datetime | None, ordered_at: datetime, now: datetime) -> datetime:
    """The moment of payment: FPX's approval time bounded to [the AR's time, now]; now when FPX gave none."""
    if fpx_txn_time is None:
        return now
    return min(max(fpx_txn_time, ordered_at), now)


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
    if not code or (current is not None and current.code == code):
        return current
    return Bank.objects.filter(code=code).first() or current


def _record_answer(payment: Payment, ac: AuthConfirmation) -> list[str]:
    """Copy FPX's final answer (codes, transaction, bank) onto the payment; the fields to save."""
    payment.debit_auth_code = ac.debit_auth_code[:4]
    payment.credit_auth_code = ac.credit_auth_code[:4]
    payment.fpx_txn_id = ac.fpx_txn_id[:20] or payment.fpx_txn_id
    payment.fpx_txn_time = ac.fpx_txn_time or payment.fpx_txn_time
    payment.bank = _bank_for(ac.buyer_bank_id, payment.bank)
    return ["debit_auth_code", "credit_auth_code", "fpx_txn_id", "fpx_txn_time", "bank"]


def mark_needs_attention(payment: Payment, *, reason: str) -> None:
    """Pending -> Needs attention with the reason kept for staff. The caller holds the payment's row lock."""
    payment.status = Status.NEEDS_ATTENTION
    payment.attention_reason = reason[:200] or "needs attention"
    payment.next_enquiry_at = None
    payment.save(update_fields=["status", "attention_reason", "next_enquiry_at"])


def _refund_open(payment: Payment, *, reason: str, now: datetime) -> Refund:
    """The money of `payment` is owed back: one Refund per payment (Due), and the payment flagged."""
    refund, _created = Refund.objects.get_or_create(
        payment=payment, defaults={"amount": payment.amount, "reason": reason, "created_at": now},
    )
    if not payment.refund_due:
        payment.refund_due = True
        payment.save(update_fields=["refund_due"])
    return refund


def payment_settled_tell_now(*, payment_id: int, receipt: bool) -> bool:
    """What the person is told of a committed settlement: the receipt email (`receipt`: an approval; the PDF is
    built here) and the SMS, each once per event (their event keys). One failing does not stop the other. False
    when one failed (logged)."""
    told = True
    if receipt:
        try:
            with transaction.atomic():  # a savepoint inside a claim's transaction: its failure undoes only itself
                receipt_email_send(payment_id=payment_id)
        except Exception:
            told = False
            logger.exception("receipt email of payment %s not queued", payment_id)
    try:
        with transaction.atomic():
            payment_settled_tell(payment_id=payment_id)
    except Exception:
        told = False
        logger.exception("settlement SMS of payment %s not queued", payment_id)
    return told


def _tell_by_worker() -> bool:
    """Whether a worker tells the person (a broker is configured); eager Celery (tests, the embedded default) tells
    in the transaction's own thread once it commits."""
    return not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", True)


def _tell_mark(payment: Payment) -> list[str]:
    """Before the settlement's save: mark the payment to be told by a worker (the field to save), or nothing."""
    payment.tell_pending = _tell_by_worker()
    return ["tell_pending"] if payment.tell_pending else []


def _tell_on_commit(payment: Payment, *, receipt: bool) -> None:
    if payment.tell_pending:
        transaction.on_commit(partial(payments_tell_kick, payment_id=payment.pk), robust=True)
    else:
        transaction.on_commit(partial(payment_settled_tell_now, payment_id=payment.pk, receipt=receipt), robust=True)


@transaction.atomic
def payment_tell_claimed(*, payment_id: int) -> bool:
    """Tell the person of a settlement marked `tell_pending`, if this caller claims it (a conditional UPDATE: one
    claimer wins; a second waits for the first's commit and then finds nothing to claim). The claim, the messages
    and the mark set again when telling failed are one transaction: a worker killed midway (or a connection lost)
    leaves the mark as it was, for the next sweep, and the messages are published only once it commits. True when
    it was claimed."""
    if not Payment.objects.filter(pk=payment_id, tell_pending=True).update(tell_pending=False):
        return False
    status = Payment.objects.values_list("status", flat=True).get(pk=payment_id)
    if not payment_settled_tell_now(payment_id=payment_id, receipt=status == Status.PAID):
        Payment.objects.filter(pk=payment_id).update(tell_pending=True)
    return True


def payments_tell_pending(*, limit: int = 10_000) -> int:
    """Tell every settlement still marked `tell_pending` (the worker's task after a kick, and the periodic sweep);
    how many this call told. Each row is claimed first, so two workers never tell one twice."""
    told, after = 0, 0
    while told < limit:
        ids = list(Payment.objects.filter(tell_pending=True, pk__gt=after).order_by("pk")
                   .values_list("pk", flat=True)[:200])
        if not ids:
            break
        for payment_id in ids:
            told += payment_tell_claimed(payment_id=payment_id)
        after = ids[-1]
    return told


# A kick: at most one task per process per KICK_WINDOW_SECONDS, run KICK_DELAY_SECONDS later, tells every settlement
# marked by then. A settlement committed inside a kick's window is marked before that task runs (the delay is longer
# than the window, by a margin for the clocks of web and worker hosts), so no commit waits for the sweep.
KICK_WINDOW_SECONDS = 1.0
KICK_DELAY_SECONDS = 2.5
_kick_lock = threading.Lock()
_kick_next = [0.0]


def payments_tell_kick(*, payment_id: int) -> None:
    """After a settlement marked `tell_pending` commits: make sure a worker tells it within seconds. The request
    publishes at most one task a second (not one per settlement). When the broker cannot take the task, this
    settlement is told here, as before the worker took it over."""
    moment = time.monotonic()
    with _kick_lock:
        if moment < _kick_next[0]:
            return
        _kick_next[0] = moment + KICK_WINDOW_SECONDS
    from matrix.payments import tasks  # the tasks import these services

    try:
        tasks.payments_settled_tell.apply_async(countdown=KICK_DELAY_SECONDS, retry=False)
    except Exception as exc:  # noqa: BLE001 - the broker's errors are many (kombu, redis, OSError)
        with _kick_lock:
            _kick_next[0] = 0.0  # the next settlement tries the broker again
        logger.warning("settlement messages of payment %s not handed to a worker (%s); made here", payment_id,
                       exc.__class__.__name__)
        payment_tell_claimed(payment_id=payment_id)


def _approve(payment: Payment, ac: AuthConfirmation, *, now: datetime, registration_locked: bool) -> str:
    """FPX approved `payment` (Pending, Needs attention, or Failed: a late approval): the approval path below, from
    FPX's approval time, with FPX's answer copied onto the payment."""
    paid_at = approval_time(fpx_txn_time=ac.fpx_txn_time, ordered_at=payment.created_at, now=now)
    return payment_approve(payment, paid_at=paid_at, now=now, answer_fields=_record_answer(payment, ac),
                           registration_locked=registration_locked)


def payment_approve(payment: Payment, *, paid_at: datetime, now: datetime, answer_fields: list[str] = (),
                    refund_reason: str | None = None, registration_locked: bool = False) -> str:
    """The one approval path (FPX's answers, staff settling a payment that needs attention, counter payments).
    Pay the contribution from `paid_at`, or, when it cannot take the money (or `refund_reason` says the money must
    go back), owe it back; draw the receipt number and queue the receipt email after commit. The caller holds the
    payment's row lock (or is inserting it: a payment without a primary key is created here), and, when
    `registration_locked`, the lock of the contribution's registration (taken here otherwise)."""
    if refund_reason is None:
        try:
            contribution_mark_paid(contribution=payment.contribution, paid_at=paid_at,
                                   registration_locked=registration_locked)
        except ContributionNotPayable as exc:
            refund_reason = (Refund.Reason.ALREADY_PAID if exc.state == Contribution.State.PAID
                             else Refund.Reason.NOT_PAYABLE)
    payment.status = Status.PAID
    payment.refund_due = refund_reason is not None  # before the save: the one-paid constraint counts on it
    payment.receipt_no = receipt_no_next(year=kl(paid_at).year)
    payment.paid_at = paid_at
    payment.settled_at = now
    payment.next_enquiry_at = None
    told_later = _tell_mark(payment)
    if payment.pk is None:
        payment.save(force_insert=True)
    else:
        # One UPDATE without save()'s machinery (no signal handler watches payments).
        changed = ["status", "refund_due", "receipt_no", "paid_at", "settled_at", "next_enquiry_at", *answer_fields,
                   *told_later]
        Payment.objects.filter(pk=payment.pk).update(**{name: getattr(payment, name) for name in changed})
    if refund_reason is not None:
        _refund_open(payment, reason=refund_reason, now=now)
    _tell_on_commit(payment, receipt=True)  # the receipt email and the SMS, in the person's language
    if refund_reason == Refund.Reason.ALREADY_PAID:
        return "paid, refund due: contribution already paid"
    if refund_reason == Refund.Reason.NOT_PAYABLE:
        return "paid, refund due: contribution rejected or cancelled"
    if refund_reason is not None:
        return f"paid, refund due: {refund_reason.lower()}"
    return "paid"


def _fail(payment: Payment, ac: AuthConfirmation, *, now: datetime) -> str:
    payment.status = Status.FAILED
    payment.settled_at = now
    payment.next_enquiry_at = None
    payment.save(update_fields=["status", "settled_at", "next_enquiry_at", *_record_answer(payment, ac),
                                *_tell_mark(payment)])
    _tell_on_commit(payment, receipt=False)  # how to pay again
    return f"failed: {ac.debit_auth_code} {ac.meaning}"


def _hold(payment: Payment, ac: AuthConfirmation, *, order_live: bool) -> str:
    """Not decided yet (09/99, a duplicate-order code, 76 while the AR is valid): the payment stays as it is."""
    payment.debit_auth_code = ac.debit_auth_code[:4]
    update = ["debit_auth_code"]
    if ac.fpx_txn_id and not payment.fpx_txn_id:
        payment.fpx_txn_id, payment.fpx_txn_time = ac.fpx_txn_id[:20], ac.fpx_txn_time
        update += ["fpx_txn_id", "fpx_txn_time"]
    payment.save(update_fields=update)
    note = " (not final while the AR is valid)" if ac.debit_auth_code == NOT_FOUND and order_live else ""
    return f"pending: {ac.debit_auth_code} {ac.meaning}{note}"


def _apply(payment: Payment, ac: AuthConfirmation, *, channel: str, now: datetime,
           registration_locked: bool = False) -> str:
    """Move the locked `payment` forward by one authentic AC about it; the log row's outcome.
    `registration_locked`: the contribution's registration is locked too (an approval's lock, see payment_settle)."""
    order_live = now - payment.created_at <= timedelta(seconds=settings.FPX_AR_VALIDITY_SECONDS)
    answer = status_for_code(ac.debit_auth_code, order_live=order_live)
    if answer == Status.PAID and payment.status != Status.PAID:
        late = payment.status == Status.FAILED
        outcome = _approve(payment, ac, now=now, registration_locked=registration_locked)
        if late:
            # A closed attempt changed: the staff reports' summary recomputes its day (its attempt and its payment).
            summary_day_stale(payment.created_at)
            logger.error("FPX %s approves %s, which was closed as FAILED: %s", channel, payment.seller_ex_order_no,
                         outcome)
            return f"late approval of a failed attempt: {outcome}"
        return outcome
    if payment.status in OPEN and answer == Status.FAILED:
        return _fail(payment, ac, now=now)
    if payment.status in OPEN:
        if answer == Status.PENDING and ac.debit_auth_code not in ("09", "99"):
            logger.warning("FPX %s for %s answers %s: kept %s", channel, payment.seller_ex_order_no,
                           ac.debit_auth_code, payment.status)
        return _hold(payment, ac, order_live=order_live)
    if answer != payment.status:
        logger.warning("FPX %s for %s says %s but the payment is %s", channel, payment.seller_ex_order_no,
                       ac.debit_auth_code, payment.status)
    return f"duplicate: already {payment.status}, message says {ac.debit_auth_code}"


@functools.cache
def _lock_sql(*, registration: bool) -> str:
    """The locking statement of `_payment_locked` on PostgreSQL, written once per process from the models (names
    only: the order number is a parameter)."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    tables = {alias: quote(model._meta.db_table)
              for alias, model in (("p", Payment), ("c", Contribution), ("b", Bank), ("r", Registration))}
    columns = ", ".join(model_columns(Payment, "p") + model_columns(Contribution, "c") + model_columns(Bank, "b"))
    joins = f" JOIN {tables['r']} r ON r.id = c.registration_id" if registration else ""
    locks = " FOR UPDATE OF r" if registration else ""
    return (f"SELECT {columns} FROM {tables['p']} p JOIN {tables['c']} c ON c.id = p.contribution_id"  # noqa: S608
            f" LEFT JOIN {tables['b']} b ON b.id = p.bank_id{joins}"
            f" WHERE p.seller_ex_order_no = %s FOR NO KEY UPDATE OF p{locks}")


def _payment_locked(ex_order_no: str, *, registration: bool) -> Payment | None:
    """The payment FPX names, with its contribution and bank, locked (FOR NO KEY UPDATE: a message logged
    against it never waits); `registration`: the contribution's registration locked too (FOR UPDATE), after the
    payment in the same statement (the order settlement has always locked them in): an approval pays the
    contribution, and contribution_mark_paid needs that lock to pay the renewals of one sector one after the other.

    On PostgreSQL one statement written once per process (the ORM would compile a four-table select for every
    AC, the largest share of its Python time); elsewhere (SQLite: one writer at a time, no row locks) the ORM."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        locked = ("self", "contribution__registration") if registration else ("self",)
        return (Payment.objects.select_for_update(of=locked, no_key=True)
                .select_related("contribution__registration" if registration else "contribution", "bank")
                .filter(seller_ex_order_no=ex_order_no).first())
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(registration=registration), [ex_order_no])
        row = cursor.fetchone()
    if row is None:
        return None
    payment, at = model_from_row(Payment, row, 0)
    contribution, at = model_from_row(Contribution, row, at)
    bank, _end = model_from_row(Bank, row, at) if row[at] is not None else (None, None)
    payment.contribution = contribution
    payment.bank = bank
    return payment


@transaction.atomic
def payment_settle(*, fields: dict[str, str], raw_body: str, channel: str, remote_addr: str | None = None,
                   now: datetime | None = None) -> SettleResult:
    """Apply one AC (direct, indirect, or the answer to an AE). Idempotent: keyed on the seller exchange order
    number; the payment row is locked, so concurrent copies of one AC settle it exactly once.

    Refused messages (bad checksum, expired certificate, unknown order, amount or seller mismatch) change
    nothing but are logged like every other message (a bounded prefix of the body), with one exception: an
    authentic AC for another amount sends the pending payment to Needs attention at once."""
    now = now or timezone.now()
    ex_order_no = str(fields.get("fpx_sellerExOrderNo", ""))

    def refuse(reason: str, *, signature_valid: bool | None, payment: Payment | None = None) -> SettleResult:
        logger.warning("FPX %s for order %r refused: %s", channel, ex_order_no[:40], reason)
        _log(payment=payment, channel=channel, raw_body=raw_body[:REFUSED_BODY_KEPT], ex_order_no=ex_order_no,
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

    # 2. About one of our orders, as we sent it? Lock the attempt: one settlement at a time (an approval locks
    # the registration too, see _payment_locked).
    approval = status_for_code(ac.debit_auth_code) == Status.PAID
    payment = _payment_locked(ac.seller_ex_order_no, registration=approval)
    if payment is None:
        return refuse("unknown seller exchange order number", signature_valid=True)
    mismatch = _mismatch(payment, ac)
    if mismatch:
        if ac.amount != payment.amount and payment.status == Status.PENDING:
            # FPX itself says another amount: no later message will make this order right. Staff look at it.
            mark_needs_attention(payment, reason=f"authentic {channel} refused: {mismatch}")
            logger.error("FPX %s for %s: %s; payment needs attention", channel, payment.seller_ex_order_no, mismatch)
        return refuse(mismatch, signature_valid=True, payment=payment)

    # 3. Forward only (see the module docstring).
    outcome = _apply(payment, ac, channel=channel, now=now, registration_locked=approval)
    _log(payment=payment, channel=channel, raw_body=raw_body, ex_order_no=ex_order_no, signature_valid=True,
         outcome=outcome, remote_addr=remote_addr, now=now)
    return SettleResult(accepted=True, outcome=outcome, payment=payment)


def payment_settle_body(*, raw_body: str | bytes, channel: str, remote_addr: str | None = None,
                        now: datetime | None = None, fields: dict[str, str] | None = None) -> SettleResult:
    """`payment_settle` for a raw urlencoded body (the views and the re-query use this): parsed here, so that
    a malformed body is logged and refused like a forged one. `fields`: the body's form_parse, when the caller
    made it already (the callback views check the checksum at the door)."""
    text = raw_body.decode("utf-8", errors="replace") if isinstance(raw_body, bytes) else raw_body
    text = text.replace("\x00", "\ufffd")  # the log keeps the body as text; PostgreSQL refuses NUL in text
    try:
        fields = form_parse(raw_body) if fields is None else fields
    except MessageRefused as exc:
        with transaction.atomic():
            _log(payment=None, channel=channel, raw_body=text[:REFUSED_BODY_KEPT], ex_order_no="",
                 signature_valid=None, outcome=f"refused: {exc}", remote_addr=remote_addr, now=now or timezone.now())
        return SettleResult(accepted=False, outcome=f"refused: {exc}")
    return payment_settle(fields=fields, raw_body=text, channel=channel, remote_addr=remote_addr, now=now)


@transaction.atomic
def payment_message_refuse(*, body_prefix: str | bytes, channel: str, reason: str,
                           remote_addr: str | None = None) -> SettleResult:
    """Log a message refused before it was parsed (too large, rate-limited): only a bounded prefix is kept."""
    text = body_prefix.decode("utf-8", errors="replace") if isinstance(body_prefix, bytes) else body_prefix
    text = text[:REFUSED_BODY_KEPT].replace("\x00", "\ufffd")
    _log(payment=None, channel=channel, raw_body=text, ex_order_no="", signature_valid=None,
         outcome=f"refused: {reason}", remote_addr=remote_addr, now=timezone.now())
    return SettleResult(accepted=False, outcome=f"refused: {reason}")
