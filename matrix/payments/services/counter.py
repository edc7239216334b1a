"""A payment taken at a PERKESO branch counter (cash, card or cheque), recorded by an officer.

It settles the contribution through the same approval path as FPX (`settle.payment_approve`): the receipt number
comes from the same sequence, cover starts at the moment the officer records it, and if the contribution was paid
meanwhile (an FPX approval won the race) the counter money is owed back as a Refund, Due, exactly as a second FPX
approval would be. The registration row is locked first (as contribution_mark_paid does), so a counter payment and
an FPX approval of one contribution are applied one after the other: one pays it, the other owes one refund.

The amount must equal the amount due, and the contribution must be Submitted when the officer records it
(checked again under the lock by the approval path)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.contributions.models import Contribution
from matrix.core.errors import Refused
from matrix.core.kltime import kl
from matrix.payments.models import Payment
from matrix.payments.services.settle import payment_approve
from matrix.reference.models import Branch
from matrix.registrations.models import Registration


class CounterRefused(Refused):
    """The counter payment cannot be recorded (nothing was written)."""


@dataclass(frozen=True)
class CounterRecorded:
    payment: Payment
    outcome: str


def _order_no() -> str:
    return f"CTR{uuid.uuid4().hex[:20].upper()}"


@transaction.atomic
def payment_counter_record(*, contribution_id: int, amount: Decimal, counter_method: str, branch: Branch,
                           reference: str, recorded_by, now: datetime | None = None) -> CounterRecorded:
    now = now or timezone.now()
    contribution = Contribution.objects.select_related("registration").filter(pk=contribution_id).first()
    if contribution is None:
        raise CounterRefused(_("No such contribution."))
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        raise CounterRefused(_("Only a Submitted contribution can be paid at the counter."))
    if Decimal(amount) != contribution.amount:
        raise CounterRefused(_("The amount must equal the amount due (RM %(due)s).") % {"due": contribution.amount})
    if counter_method not in Payment.CounterMethod.values:
        raise CounterRefused(_("Choose cash, card or cheque."))
    # Same lock order as contribution_mark_paid: the registration, then (inside the approval) the contribution;
    # the approval is told the registration is locked, so it does not lock it again.
    Registration.objects.select_for_update().only("pk").get(pk=contribution.registration_id)
    order_no = _order_no()
    payment = Payment(
        contribution=contribution, seller_order_no=order_no, seller_ex_order_no=order_no,
        seller_txn_time=kl(now).strftime("%Y%m%d%H%M%S"), amount=contribution.amount,
        created_at=now, method=Payment.Method.COUNTER, counter_method=counter_method, branch=branch,
        counter_reference=reference[:60], recorded_by=recorded_by,
    )
    outcome = payment_approve(payment, paid_at=now, now=now, registration_locked=True)  # locked above
    return CounterRecorded(payment=payment, outcome=outcome)
