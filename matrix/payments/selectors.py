"""Reads on payments. Everything a person opens is looked up through its owner: another person's id is a 404."""

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404

from matrix.contributions.models import Contribution
from matrix.payments.models import Payment

RECEIPT_STAFF_PERMISSION = "payments.view_payment"

_PAYMENT_RELATED = (
    "bank",
    "contribution__plan",
    "contribution__registration__sector",
    "contribution__registration__person__user",
)


def payments_with_details() -> QuerySet[Payment]:
    return Payment.objects.select_related(*_PAYMENT_RELATED)


def payment_get_for_owner(*, payment_id: int, user) -> Payment:
    return get_object_or_404(payments_with_details(), pk=payment_id, contribution__registration__person__user=user)


def payment_get_for_receipt(*, payment_id: int, user) -> Payment:
    """A paid payment's receipt: its owner, or staff allowed to view payments."""
    payments = payments_with_details().filter(status=Payment.Status.PAID)
    if getattr(user, "is_staff", False) and user.has_perm(RECEIPT_STAFF_PERMISSION):
        return get_object_or_404(payments, pk=payment_id)
    return get_object_or_404(payments, pk=payment_id, contribution__registration__person__user=user)


def contribution_get_for_owner(*, contribution_id: int, user) -> Contribution:
    return get_object_or_404(
        Contribution.objects.select_related("plan", "registration__sector", "registration__person__user"),
        pk=contribution_id,
        registration__person__user=user,
    )


def contribution_payment_pending(*, contribution: Contribution) -> Payment | None:
    return contribution.payments.filter(status=Payment.Status.PENDING).first()


def contribution_payment_paid(*, contribution: Contribution) -> Payment | None:
    return contribution.payments.filter(status=Payment.Status.PAID, refund_due=False).first()


def payments_pending_older_than(*, cutoff) -> QuerySet[Payment]:
    """Stale pending payments, those never asked about (or asked about longest ago) first, so that payments FPX
    keeps answering as pending cannot starve the others out of a bounded batch."""
    return Payment.objects.filter(status=Payment.Status.PENDING, created_at__lte=cutoff).order_by(
        F("last_enquiry_at").asc(nulls_first=True), "created_at", "pk"
    )
