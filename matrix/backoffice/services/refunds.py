"""Refunds: Due -> Approved (a Supervisor) -> Paid (with the bank reference and the date the money went back).

Each step locks the refund row, moves it forward only (the database's check constraints hold the fields each
state needs) and writes its audit row; when it is paid the person is told by SMS and email (durable messages in
the same transaction, sent after commit)."""

from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.backoffice.audit import audit_record
from matrix.core.errors import Refused
from matrix.core.kltime import KL
from matrix.core.money import money_format
from matrix.notifications.services import email_send, sms_send
from matrix.payments.models import Refund


class RefundRefused(Refused):
    pass


def _locked(refund_id: int, state: str) -> Refund:
    refund = (Refund.objects.select_for_update(of=("self",))
              .select_related("payment__contribution__registration__person__user").filter(pk=refund_id).first())
    if refund is None or refund.state != state:
        raise RefundRefused(_("This refund has moved on: reload the page."))
    return refund


@transaction.atomic
def refund_approve(*, refund_id: int, staff_user, request=None, now: datetime | None = None) -> Refund:
    refund = _locked(refund_id, Refund.State.DUE)
    refund.state = Refund.State.APPROVED
    refund.approved_at = now or timezone.now()
    refund.approved_by = staff_user
    refund.save(update_fields=["state", "approved_at", "approved_by"])
    audit_record(request=request, actor=staff_user, action="refund.approve", target=refund,
                 details={"payment": refund.payment_id, "amount": str(refund.amount)})
    return refund


@transaction.atomic
def refund_mark_paid(*, refund_id: int, bank_reference: str, paid_on: date, staff_user, request=None,
                     now: datetime | None = None) -> Refund:
    bank_reference = bank_reference.strip()
    if not bank_reference:
        raise RefundRefused(_("Enter the bank reference."))
    now = now or timezone.now()
    if paid_on > timezone.localtime(now, KL).date():
        raise RefundRefused(_("The date paid cannot be in the future."))
    refund = _locked(refund_id, Refund.State.APPROVED)
    refund.state = Refund.State.PAID
    refund.paid_at = min(datetime.combine(paid_on, time(12, 0), tzinfo=KL), now)
    refund.bank_reference = bank_reference[:60]
    refund.save(update_fields=["state", "paid_at", "bank_reference"])
    _tell(refund)
    audit_record(request=request, actor=staff_user, action="refund.paid", target=refund,
                 details={"payment": refund.payment_id, "bank_reference": refund.bank_reference,
                          "paid_on": paid_on.isoformat()})
    return refund


def _tell(refund: Refund) -> None:
    payment = refund.payment
    person = payment.contribution.registration.person
    user = person.user
    amount = money_format(refund.amount)
    key = f"refund-paid-{refund.pk}"
    mobile, email = person.mobile or user.mobile, person.email or user.email
    if mobile:
        sms_send(to=mobile, text=(f"PERKESO: Bayaran balik {amount} telah dibuat (rujukan {refund.bank_reference}). "
                                  f"/ Your refund of {amount} has been paid (reference {refund.bank_reference})."),
                 kind="refund_paid", event_key=f"{key}-sms", user=user)
    if email:
        receipt = payment.receipt_no or payment.seller_ex_order_no
        email_send(to=email, subject="MATRIX: Bayaran balik dibuat / Refund paid", kind="refund_paid",
                   event_key=f"{key}-email", user=user,
                   text=(f"Bayaran balik {amount} bagi bayaran {receipt} telah dimasukkan ke akaun bank anda "
                         f"(rujukan bank {refund.bank_reference}).\n"
                         f"Your refund of {amount} for payment {receipt} has been paid to your bank account "
                         f"(bank reference {refund.bank_reference})."))
