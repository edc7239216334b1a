"""Reads for the casework pages (review queue, payments that need a person, refunds, counter payments): each list
is one query with its related rows joined, whatever its length."""

from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_start_of_day
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.registrations.models import Registration

LIST_LIMIT = 200


def review_queue(*, sector_id: int | None = None, state_id: int | None = None, submitted_from: date | None = None,
                 submitted_to: date | None = None) -> list[Registration]:
    """New registrations nobody has decided on yet, oldest first, filtered by sector, the person's state and the
    submission date (Kuala Lumpur days, both ends included)."""
    rows = (Registration.objects.current().filter(review__isnull=True)
            .select_related("person__user", "person__state", "sector", "sector_class")
            .prefetch_related(Prefetch("contributions", queryset=Contribution.objects.order_by("created_at", "pk")))
            .order_by("submitted_at", "pk"))
    if sector_id:
        rows = rows.filter(sector_id=sector_id)
    if state_id:
        rows = rows.filter(person__state_id=state_id)
    if submitted_from:
        rows = rows.filter(submitted_at__gte=kl_start_of_day(submitted_from))
    if submitted_to:
        rows = rows.filter(submitted_at__lt=kl_start_of_day(submitted_to + timedelta(days=1)))
    return list(rows[:LIST_LIMIT])


def review_registration(*, registration_id: int) -> Registration | None:
    return (Registration.objects.current().filter(pk=registration_id, review__isnull=True)
            .select_related("person__user", "person__state", "sector", "sector_class")
            .prefetch_related("documents", "contributions").first())


def attention_list() -> list[Payment]:
    """Payments in Needs attention, oldest first, with their FPX message log."""
    return list(
        Payment.objects.filter(status=Payment.Status.NEEDS_ATTENTION)
        .select_related("contribution__registration__person__user", "contribution__registration__sector", "bank")
        .prefetch_related(Prefetch("messages", queryset=FpxMessage.objects.order_by("received_at", "pk")))
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )


def attention_payment(*, payment_id: int) -> Payment | None:
    return Payment.objects.filter(pk=payment_id).select_related("contribution").first()


def refunds_list(*, state: str | None = None) -> QuerySet[Refund]:
    rows = Refund.objects.select_related(
        "payment__contribution__registration__person__user", "payment__branch", "approved_by").order_by(
        "created_at", "pk")
    if state:
        rows = rows.filter(state=state)
    return list(rows[:LIST_LIMIT])


def counter_contributions(*, query: str) -> list[Contribution]:
    """Submitted (unpaid) contributions of the person with this IC number or Self-Employed Code."""
    query = query.replace("-", "").replace(" ", "").upper()
    if not query:
        return []
    rows = (Contribution.objects.filter(state=Contribution.State.AWAITING_PAYMENT)
            .select_related("registration__person__user", "registration__sector", "plan")
            .order_by("created_at", "pk"))
    by_code = rows.filter(registration__person__self_employed_code=query)
    return list(by_code) or list(rows.filter(registration__person__user__id_number=query))


def counter_contribution(*, contribution_id: int) -> Contribution | None:
    return (Contribution.objects.filter(pk=contribution_id)
            .select_related("registration__person__user", "registration__sector", "plan").first())
