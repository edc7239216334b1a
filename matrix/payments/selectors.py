"""Reads on payments. Everything a person opens is looked up through its owner: another person's id is a 404."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from matrix.contributions.models import Contribution
from matrix.payments.models import Payment, Refund

RECEIPT_STAFF_PERMISSION = "payments.view_payment"

_PAYMENT_RELATED = (
    "bank",
    "branch",
    "refund",
    "contribution__plan",
    "contribution__registration__sector",
    "contribution__registration__person__user",
)


def payments_with_details() -> QuerySet[Payment]:
    return Payment.objects.select_related(*_PAYMENT_RELATED)


def payment_get_for_owner(*, payment_id: int, user) -> Payment:
    return get_object_or_404(payments_with_details(), pk=payment_id, contribution__registration__person__user=user)


def payment_for_details(*, payment_id: int, user) -> Payment:
    """PAYMENT DETAILS' payment with what the page shows: no join to the account (the owner is the person's
    user_id). Every column is read: the page's body is kept under a key made of them (contributions.bodies)."""
    payments = Payment.objects.select_related(
        "bank", "branch", "refund", "contribution__registration__sector", "contribution__registration__person",
    )
    return get_object_or_404(payments, pk=payment_id, contribution__registration__person__user_id=user.pk)


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


def payment_enquiry_due_q(*, now: datetime) -> Q:
    """Pending payments whose next enquiry (AE) is due: at `next_enquiry_at`, or, never asked yet,
    FPX_REQUERY_AFTER_SECONDS after the AR (indexed on (status, next_enquiry_at) and (status, created_at))."""
    first = now - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS)
    return Q(status=Payment.Status.PENDING) & (
        Q(next_enquiry_at__lte=now) | Q(next_enquiry_at__isnull=True, created_at__lte=first)
    )


def payments_requery_due(*, now: datetime) -> QuerySet[Payment]:
    """Pending payments due for an enquiry, the longest overdue first (never asked: by their AR time)."""
    return Payment.objects.filter(payment_enquiry_due_q(now=now)).order_by(
        F("next_enquiry_at").asc(nulls_first=True), "created_at", "pk"
    )


def payments_needing_attention() -> QuerySet[Payment]:
    return payments_with_details().filter(status=Payment.Status.NEEDS_ATTENTION).order_by("created_at", "pk")


def refunds_open() -> QuerySet[Refund]:
    """Refunds not paid back yet (Due or Approved), oldest first."""
    return (Refund.objects.exclude(state=Refund.State.PAID)
            .select_related(*(f"payment__{name}" for name in _PAYMENT_RELATED), "payment")
            .order_by("created_at", "pk"))
