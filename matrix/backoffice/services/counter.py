"""An officer records a payment taken at a branch counter: the payments app settles it
(`payments.services.counter.payment_counter_record`, the same approval path as FPX); this adds the audit row in
the same transaction."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from matrix.backoffice.audit import audit_record
from matrix.payments.models import Payment
from matrix.payments.services.counter import CounterRefused, payment_counter_record  # noqa: F401
from matrix.reference.models import Branch


@transaction.atomic
def counter_payment_record(*, contribution_id: int, amount: Decimal, counter_method: str, branch: Branch,
                           reference: str, staff_user, request=None, now: datetime | None = None) -> Payment:
    recorded = payment_counter_record(contribution_id=contribution_id, amount=amount, counter_method=counter_method,
                                      branch=branch, reference=reference, recorded_by=staff_user, now=now)
    payment = recorded.payment
    audit_record(request=request, actor=staff_user, action="payment.counter.record", target=payment,
                 details={"contribution": contribution_id, "amount": str(payment.amount), "method": counter_method,
                          "branch": branch.name, "reference": reference[:60], "receipt_no": payment.receipt_no,
                          "outcome": recorded.outcome})
    return payment
