"""Payments that need a person (Needs attention): a Supervisor re-queries FPX, or decides.

- Settle as paid, with FPX's evidence (the FPX transaction id and approval time read from FPX's portal): the same
  approval path as an AC (`payments.services.settle.payment_approve`): receipt, cover from the approval time
  (bounded to [the order's time, now]), or a refund when the contribution can no longer take the money.
- Close as failed: FPX took no money (the person is told "payment failed", in their language).
- Refund: FPX took the money but it must go back: the payment is approved without paying the contribution
  (receipt drawn, Refund Due).
Each decision locks the payment row (so an AC arriving at the same moment is applied before or after, never
both) and writes its audit row in the same transaction."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.backoffice.audit import audit_record
from matrix.core.errors import Refused
from matrix.notifications.senders import payment_closed_tell
from matrix.payments.models import Payment, Refund
from matrix.payments.services.settle import approval_time, payment_approve


class AttentionRefused(Refused):
    pass


def _locked(payment_id: int) -> Payment:
    payment = (Payment.objects.select_for_update(of=("self",), no_key=True).select_related("contribution")
               .filter(pk=payment_id).first())
    if payment is None or payment.status != Payment.Status.NEEDS_ATTENTION:
        raise AttentionRefused(_("This payment no longer needs attention."))
    return payment


@transaction.atomic
def attention_settle_paid(*, payment_id: int, fpx_txn_id: str, approved_at: datetime, staff_user, request=None,
                          now: datetime | None = None) -> Payment:
    now = now or timezone.now()
    fpx_txn_id = fpx_txn_id.strip()
    if not (fpx_txn_id.isdigit() and len(fpx_txn_id) == 16):
        raise AttentionRefused(_("The FPX Transaction ID has 16 digits."))
    payment = _locked(payment_id)
    payment.fpx_txn_id, payment.fpx_txn_time, payment.debit_auth_code = fpx_txn_id, approved_at, "00"
    paid_at = approval_time(fpx_txn_time=approved_at, ordered_at=payment.created_at, now=now)
    outcome = payment_approve(payment, paid_at=paid_at, now=now,
                              answer_fields=["fpx_txn_id", "fpx_txn_time", "debit_auth_code"])
    audit_record(request=request, actor=staff_user, action="payment.attention.settle_paid", target=payment,
                 details={"fpx_txn_id": fpx_txn_id, "approved_at": approved_at.isoformat(), "outcome": outcome,
                          "reason_was": payment.attention_reason})
    return payment


@transaction.atomic
def attention_close_failed(*, payment_id: int, staff_user, request=None, now: datetime | None = None) -> Payment:
    payment = _locked(payment_id)
    payment.status = Payment.Status.FAILED
    payment.settled_at = now or timezone.now()
    payment.next_enquiry_at = None
    payment.save(update_fields=["status", "settled_at", "next_enquiry_at"])
    audit_record(request=request, actor=staff_user, action="payment.attention.close_failed", target=payment,
                 details={"reason_was": payment.attention_reason})
    payment_closed_tell(payment_id=payment.pk, why="closed")  # "payment failed": leaves once this commits
    return payment


@transaction.atomic
def attention_refund(*, payment_id: int, staff_user, request=None, now: datetime | None = None) -> Payment:
    now = now or timezone.now()
    payment = _locked(payment_id)
    paid_at = approval_time(fpx_txn_time=payment.fpx_txn_time, ordered_at=payment.created_at, now=now)
    outcome = payment_approve(payment, paid_at=paid_at, now=now, refund_reason=Refund.Reason.STAFF)
    audit_record(request=request, actor=staff_user, action="payment.attention.refund", target=payment,
                 details={"outcome": outcome, "reason_was": payment.attention_reason})
    return payment
