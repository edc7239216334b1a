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
from matrix.notifications.senders import refund_tell
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
    refund_tell(refund_id=refund.pk, kind="refund_approved")
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
    refund_tell(refund_id=refund.pk, kind="refund_paid")
    audit_record(request=request, actor=staff_user, action="refund.paid", target=refund,
                 details={"payment": refund.payment_id, "bank_reference": refund.bank_reference,
                          "paid_on": paid_on.isoformat()})
    return refund
