"""Reads on registrations for the pages."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.shortcuts import get_object_or_404
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import db_datetime
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
    """One registered sector at a glance, for the Dashboard. `registration` (with its sector), `first` and
    `unpaid` are models holding only what the query read (ids, sector code and names, states): to show, never to
    save."""

    registration: Registration
    state: str
    covered_until: datetime | None
    days_left: int | None
    first: Contribution | None
    unpaid: Contribution | None  # the contribution awaiting payment, if any (first period or renewal)


_COVERS_SQL = """
SELECT r.id, se.id, se.code, se.name_en, se.name_ms,
       (SELECT c.id FROM contributions_contribution c WHERE c.registration_id = r.id AND c.kind = %(first)s
         ORDER BY c.created_at, c.id LIMIT 1) AS first_id,
       (SELECT c.state FROM contributions_contribution c WHERE c.registration_id = r.id AND c.kind = %(first)s
         ORDER BY c.created_at, c.id LIMIT 1) AS first_state,
       (SELECT c.id FROM contributions_contribution c WHERE c.registration_id = r.id AND c.state = %(awaiting)s
         ORDER BY c.created_at, c.id LIMIT 1) AS unpaid_id,
       (SELECT MAX(c.end_at) FROM contributions_contribution c WHERE c.registration_id = r.id
         AND c.state = %(paid)s) AS covered_until
FROM registrations_registration r
JOIN registrations_selfemployedperson sp ON sp.id = r.person_id
JOIN reference_sector se ON se.id = r.sector_id
WHERE r.cancelled_at IS NULL AND sp.user_id = %(user)s
ORDER BY se.sort_order, se.name_en
"""


def sector_cover_rows(*, user) -> list[tuple]:
    """The raw rows sector_covers is made of (a page keeps its rendering under them: matrix.contributions.bodies)."""
    with connection.cursor() as cursor:
        cursor.execute(_COVERS_SQL, {"first": Contribution.Kind.REGISTRATION, "paid": Contribution.State.PAID,
                                     "awaiting": Contribution.State.AWAITING_PAYMENT, "user": user.pk})
        return cursor.fetchall()


def sector_covers(*, user, now: datetime | None = None, rows: list[tuple] | None = None) -> list[SectorCover]:
    """Each registered sector's cover: until when, days left, and what to do next. One raw query (each
    registration's first period, unpaid contribution and paid end are correlated subqueries on the
    contributions' indexes). Cancelled registrations are left out (the Contribution History keeps them). Cover
    runs while now < end + 1 s (matrix.core.coverage), as on the Contribution History."""
    now = now or timezone.now()
    today = kl(now).date()
    rows = sector_cover_rows(user=user) if rows is None else rows
    covers = []
    for registration_id, sector_id, code, name_en, name_ms, first_id, first_state, unpaid_id, covered_until in rows:
        covered_until = db_datetime(covered_until)
        first = (Contribution(pk=first_id, registration_id=registration_id, kind=Contribution.Kind.REGISTRATION,
                              state=first_state) if first_id is not None else None)
        unpaid = (Contribution(pk=unpaid_id, registration_id=registration_id,
                               state=Contribution.State.AWAITING_PAYMENT) if unpaid_id is not None else None)
        if first is None or first.state == Contribution.State.REJECTED:
            state = CoverState.REJECTED
        elif first.state == Contribution.State.AWAITING_PAYMENT:
            state = CoverState.AWAITING_PAYMENT
        elif not cover_ended(end=covered_until, moment=now):
            state = CoverState.ACTIVE
        else:
            state = CoverState.EXPIRED
        left = (kl(covered_until).date() - today).days if state == CoverState.ACTIVE else None
        sector = Sector(pk=sector_id, code=code, name_en=name_en, name_ms=name_ms)
        registration = Registration(pk=registration_id, sector=sector)
        covers.append(SectorCover(registration=registration, state=state, covered_until=covered_until,
                                  days_left=left, first=first, unpaid=unpaid))
    return covers
