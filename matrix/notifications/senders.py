"""The senders of event messages: each gathers the facts of one event (a payment settled, a registration rejected,
a refund approved or paid) and queues its SMS and email through `events.event_send`, in the person's language, once
per event (the event key).

The apps where the events happen call these, and only these: payments after a settlement commits (and after a new
start closed an unanswered attempt; the approval's email, which carries the receipt PDF payments builds, is sent by
`payments.receipts` from `payment_event`'s facts), the back office inside its decision's transaction. Like the
reminder job, they read the rows of the apps above (never write them), so those apps need not know how a message is
worded."""

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from matrix.core.kltime import kl_format, kl_format_date
from matrix.core.money import money_format
from matrix.notifications.events import absolute_url, event_send, failure_reason


def _contact(person):
    user = person.user
    return user, person.mobile or user.mobile, person.email or user.email


@dataclass(frozen=True)
class PaymentEvent:
    """What to tell a person about one settled payment: the kind, its facts, to whom, and the event key (one SMS and
    one email per payment and kind, ever)."""

    kind: str
    event_key: str
    user: object
    mobile: str
    email: str
    context: dict


# Why an attempt was closed as Failed outside settlement (the payment_failed templates word each one).
CLOSED_REASONS = ("unanswered", "closed")


def payment_event(*, payment, closed: str = "") -> PaymentEvent | None:
    """The message of a Paid or Failed `payment` (with its contribution, registration, person and sector loaded):
    "payment approved"; "approved after a failure" when FPX approved an attempt we had closed as Failed; "payment
    failed" with the bank's reason in plain words, or `closed` (one of CLOSED_REASONS) when no bank refused it.
    None for any other status."""
    from matrix.payments.models import FpxMessage, Payment, Refund

    if payment.status not in (Payment.Status.PAID, Payment.Status.FAILED):
        return None
    contribution = payment.contribution
    registration = contribution.registration
    user, mobile, email = _contact(registration.person)
    if payment.status == Payment.Status.FAILED:
        kind = "payment_failed"
    elif FpxMessage.objects.filter(payment_id=payment.pk, outcome__startswith="late approval").exists():
        # settle logged "late approval of a failed attempt: …" in the transaction that just committed
        kind = "payment_approved_late"
    else:
        kind = "payment_approved"
    covered = contribution.state == contribution.State.PAID and not payment.refund_due
    refund_reason = ""
    if payment.refund_due:
        refund = Refund.objects.filter(payment_id=payment.pk).only("reason").first()
        refund_reason = (refund.reason if refund is not None else Refund.Reason.ALREADY_PAID).lower()
    context = {
        "name": user.full_name, "amount": money_format(payment.amount), "receipt_no": payment.receipt_no,
        "sector_en": registration.sector.name_en, "sector_ms": registration.sector.name_ms,
        "end": kl_format(contribution.end_at) if covered and contribution.end_at else "",
        "refund": payment.refund_due, "refund_reason": refund_reason,
        "code": "" if closed else payment.debit_auth_code or "-",
        "reason": closed or failure_reason(payment.debit_auth_code),
        "pay_url": absolute_url(reverse("contributions:history")),
    }
    if kind == "payment_failed":
        context["pay_url"] = absolute_url(reverse("contributions:detail", args=[contribution.pk]))
        context["sms_url"] = absolute_url(reverse("contributions:history"))
    return PaymentEvent(kind=kind, event_key=f"{kind}-{payment.pk}", user=user, mobile=mobile, email=email,
                        context=context)


def _payment_load(payment_id: int):
    from matrix.payments.models import Payment

    return (Payment.objects.select_related("contribution__registration__person__user",
                                           "contribution__registration__sector")
            .filter(pk=payment_id).first())


def payment_settled_tell(*, payment_id: int) -> None:
    """After a settlement commits: Paid → "payment approved" (or "approved after a failure") by SMS; its email,
    which carries the receipt PDF, is `payments.receipts.receipt_email_send`'s, so each approval sends one.
    Failed → "payment failed" by SMS and email, with the bank's reason in plain words and the link to pay again."""
    payment = _payment_load(payment_id)
    event = payment_event(payment=payment) if payment is not None else None
    if event is None:
        return
    with transaction.atomic():
        event_send(user=event.user, kind=event.kind, context=event.context, event_key=event.event_key,
                   mobile=event.mobile, email=event.email if event.kind == "payment_failed" else "")


def payment_closed_tell(*, payment_id: int, why: str) -> None:
    """After an attempt was closed as Failed outside settlement commits: "payment failed" by SMS and email, `why`
    one of CLOSED_REASONS ("unanswered": FPX never answered within the AR validity and a new start closed it;
    "closed": a Supervisor closed a payment that needed attention, FPX having taken no money). Once per attempt
    (the same event key as a failure FPX told us); nothing when the attempt is no longer Failed (FPX approved it
    meanwhile, and that approval tells the person)."""
    if why not in CLOSED_REASONS:
        raise ValueError(why)
    payment = _payment_load(payment_id)
    event = payment_event(payment=payment, closed=why) if payment is not None else None
    if event is None or event.kind != "payment_failed":
        return
    with transaction.atomic():
        event_send(user=event.user, kind=event.kind, context=event.context, event_key=event.event_key,
                   mobile=event.mobile, email=event.email)


def registration_rejected_tell(*, registration_id: int, reason, note: str) -> None:
    """PERKESO rejected a registration: SMS and email with the reason (`reason` a lazy translation, so each
    person reads it in their language) and the officer's note (email only)."""
    from matrix.registrations.models import Registration

    registration = Registration.objects.select_related("person__user", "sector").get(pk=registration_id)
    user, mobile, email = _contact(registration.person)
    context = {"name": user.full_name, "sector_en": registration.sector.name_en,
               "sector_ms": registration.sector.name_ms, "reason": reason, "note": note.strip()}
    event_send(user=user, kind="registration_rejected", context=context,
               event_key=f"registration-rejected-{registration.pk}", mobile=mobile, email=email)


def refund_tell(*, refund_id: int, kind: str) -> None:
    """A refund moved on: `refund_approved` or `refund_paid` (with the date and the bank reference)."""
    from matrix.payments.models import Refund

    if kind not in ("refund_approved", "refund_paid"):
        raise ValueError(kind)
    refund = (Refund.objects.select_related("payment__contribution__registration__person__user")
              .get(pk=refund_id))
    payment = refund.payment
    user, mobile, email = _contact(payment.contribution.registration.person)
    context = {"name": user.full_name, "amount": money_format(refund.amount),
               "receipt_no": payment.receipt_no or payment.seller_ex_order_no,
               "paid_on": kl_format_date(refund.paid_at) if refund.paid_at else "",
               "bank_reference": refund.bank_reference}
    event_send(user=user, kind=kind, context=context, event_key=f"{kind.replace('_', '-')}-{refund.pk}",
               mobile=mobile, email=email)
