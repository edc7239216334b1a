"""Reads on registrations for the pages."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.coverage import cover_ended
from matrix.core.kltime import kl
from matrix.reference.models import Sector
from matrix.registrations.models import Document, Registration, SelfEmployedPerson


def person_of(*, user) -> SelfEmployedPerson | None:
    return (
        SelfEmployedPerson.objects.select_related("status", "nationality", "race", "state", "city", "branch")
        .filter(user=user)
        .first()
    )


def registered_sector_ids(*, user) -> set[int]:
    return set(Registration.objects.current().filter(person__user=user).values_list("sector_id", flat=True))


def registration_in_sector(*, user, sector: Sector) -> Registration | None:
    """The person's registration that holds `sector` (a cancelled one does not), if any."""
    return Registration.objects.current().filter(person__user=user, sector=sector).first()


@dataclass(frozen=True)
class SectorOption:
    sector: Sector
    registered: bool


def sector_options(*, user, today: date) -> list[SectorOption]:
    """The sectors open today, each marked when the person already registered it."""
    registered = registered_sector_ids(user=user)
    sectors = Sector.objects.active().filter(effective_from__lte=today).order_by("sort_order", "name_en")
    return [SectorOption(sector=sector, registered=sector.pk in registered) for sector in sectors]


def document_for_download(*, user, pk: int) -> Document:
    """The owner's document; staff with the view permission may open anyone's. 404 for everyone else."""
    documents = Document.objects.select_related("registration")
    if user.is_staff and user.has_perm("registrations.view_document"):
        return get_object_or_404(documents, pk=pk)
    return get_object_or_404(documents, pk=pk, registration__person__user=user)


class CoverState:
    AWAITING_PAYMENT = "awaiting_payment"
    REJECTED = "rejected"
    ACTIVE = "active"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SectorCover:
    """One registered sector at a glance, for the Dashboard."""

    registration: Registration
    state: str
    covered_until: datetime | None
    days_left: int | None
    first: Contribution | None
    unpaid: Contribution | None  # the contribution awaiting payment, if any (first period or renewal)


def sector_covers(*, user, now: datetime | None = None) -> list[SectorCover]:
    """Each registered sector's cover: until when, days left, and what to do next. Two queries. Cancelled
    registrations are left out (the Contribution History keeps them). Cover runs while now < end + 1 s
    (matrix.core.coverage), as on the Contribution History."""
    now = now or timezone.now()
    today = kl(now).date()
    registrations = (
        Registration.objects.current().filter(person__user=user)
        .select_related("sector")
        .prefetch_related(Prefetch("contributions", queryset=Contribution.objects.order_by("created_at", "pk")))
        .order_by("sector__sort_order", "sector__name_en")
    )
    covers = []
    for registration in registrations:
        contributions = list(registration.contributions.all())
        first = next((c for c in contributions if c.kind == Contribution.Kind.REGISTRATION), None)
        unpaid = next((c for c in contributions if c.state == Contribution.State.AWAITING_PAYMENT), None)
        ends = [c.end_at for c in contributions if c.state == Contribution.State.PAID and c.end_at]
        covered_until = max(ends, default=None)
        if first is None or first.state == Contribution.State.REJECTED:
            state = CoverState.REJECTED
        elif first.state == Contribution.State.AWAITING_PAYMENT:
            state = CoverState.AWAITING_PAYMENT
        elif not cover_ended(end=covered_until, moment=now):
            state = CoverState.ACTIVE
        else:
            state = CoverState.EXPIRED
        left = (kl(covered_until).date() - today).days if state == CoverState.ACTIVE else None
        covers.append(SectorCover(registration=registration, state=state, covered_until=covered_until,
                                  days_left=left, first=first, unpaid=unpaid))
    return covers
