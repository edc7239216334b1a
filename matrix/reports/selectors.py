"""The reports: each one aggregate query in the database, so a page costs the same number of queries whatever the
number of contributions, registrations or payments (tests/reports/test_reports.py counts them at two sizes).

Every report returns rows of plain values; `report_rows(name, ...)` is what the page, its charts and the CSV
export share. Paid contributions are counted by their moment of payment (paid_at) in Kuala Lumpur time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Count, DateTimeField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matrix.contributions.models import Contribution
from matrix.core.kltime import KL, kl_start_of_day
from matrix.payments.models import Payment
from matrix.registrations.models import Registration

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Period:
    """[start, end] as Kuala Lumpur dates, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return kl_start_of_day(self.start)

    @property
    def until(self) -> datetime:
        return kl_start_of_day(self.end + timedelta(days=1))


def _malay() -> bool:
    return (get_language() or "en").startswith("ms")


def _paid(period: Period):
    return Contribution.objects.filter(state=Contribution.State.PAID, paid_at__gte=period.since,
                                       paid_at__lt=period.until)


def _grouped(queryset, *keys):
    return list(queryset.values(*keys).annotate(count=Count("id"), amount=Coalesce(Sum("amount"), ZERO))
                .order_by(*keys))


def contributions_by_sector(period: Period) -> list[dict]:
    rows = _grouped(_paid(period), "registration__sector__sort_order", "registration__sector__name_en",
                    "registration__sector__name_ms")
    name = "registration__sector__name_ms" if _malay() else "registration__sector__name_en"
    return [{"label": row[name], "count": row["count"], "amount": row["amount"]} for row in rows]


def contributions_by_state(period: Period) -> list[dict]:
    rows = _grouped(_paid(period), "registration__person__state__name")
    return [{"label": row["registration__person__state__name"] or "-", "count": row["count"],
             "amount": row["amount"]} for row in rows]


def contributions_by_plan(period: Period) -> list[dict]:
    rows = _grouped(_paid(period), "plan__number")
    return [{"label": _("Plan %(number)s") % {"number": row["plan__number"]}, "count": row["count"],
             "amount": row["amount"]} for row in rows]


def contributions_by_month(period: Period) -> list[dict]:
    rows = _grouped(_paid(period).annotate(month=TruncMonth("paid_at", tzinfo=KL)), "month")
    return [{"label": row["month"].strftime("%m-%Y"), "count": row["count"], "amount": row["amount"]}
            for row in rows]


def registrations_per_day(period: Period) -> list[dict]:
    rows = (Registration.objects.filter(submitted_at__gte=period.since, submitted_at__lt=period.until)
            .annotate(day=TruncDate("submitted_at", tzinfo=KL)).values("day").annotate(count=Count("id"))
            .order_by("day"))
    return [{"label": row["day"].strftime("%d-%m-%Y"), "count": row["count"]} for row in rows]


def people_covered(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    return Contribution.objects.filter(state=Contribution.State.PAID, start_at__lte=now, end_at__gte=now).aggregate(
        people=Count("registration__person", distinct=True), registrations=Count("registration", distinct=True))


def covers_ending(*, now: datetime | None = None, days: int = 30) -> list[dict]:
    """Registrations whose paid cover (the latest end of the sector's paid periods) ends in the next `days`
    days, by day of the end."""
    now = now or timezone.now()
    latest = (Contribution.objects.filter(registration=OuterRef("pk"), state=Contribution.State.PAID)
              .values("registration").annotate(latest=Max("end_at")).values("latest"))
    rows = (Registration.objects.annotate(cover_end=Subquery(latest[:1], output_field=DateTimeField()))
            .filter(cover_end__gte=now, cover_end__lt=now + timedelta(days=days))
            .annotate(day=TruncDate("cover_end", tzinfo=KL)).values("day").annotate(count=Count("id"))
            .order_by("day"))
    return [{"label": row["day"].strftime("%d-%m-%Y"), "count": row["count"]} for row in rows]


def renewal_rate() -> dict:
    """Of the registrations with a paid first period, the share with at least one paid renewal."""
    counts = Contribution.objects.filter(state=Contribution.State.PAID).aggregate(
        paid=Count("registration", distinct=True, filter=Q(kind=Contribution.Kind.REGISTRATION)),
        renewed=Count("registration", distinct=True, filter=Q(kind=Contribution.Kind.RENEWAL)))
    paid, renewed = counts["paid"], counts["renewed"]
    percent = (Decimal(renewed * 100) / paid).quantize(Decimal("0.1")) if paid else Decimal("0.0")
    return {"paid": paid, "renewed": renewed, "percent": percent}


def _payments(period: Period):
    return Payment.objects.filter(created_at__gte=period.since, created_at__lt=period.until)


def payments_by_status(period: Period) -> list[dict]:
    rows = _grouped(_payments(period), "status")
    labels = dict(Payment.Status.choices)
    return [{"label": str(labels.get(row["status"], row["status"])), "count": row["count"],
             "amount": row["amount"]} for row in rows]


def payments_by_bank(period: Period) -> list[dict]:
    rows = _grouped(_payments(period), "buyer_bank_id", "bank__name")
    return [{"label": row["bank__name"] or row["buyer_bank_id"] or "-", "count": row["count"],
             "amount": row["amount"]} for row in rows]


# name → (title, function, has amounts, needs the period)
REPORTS = {
    "contributions-by-sector": (_("Contributions by sector"), contributions_by_sector, True),
    "contributions-by-state": (_("Contributions by state"), contributions_by_state, True),
    "contributions-by-plan": (_("Contributions by plan"), contributions_by_plan, True),
    "contributions-by-month": (_("Contributions by month"), contributions_by_month, True),
    "registrations-per-day": (_("New registrations per day"), registrations_per_day, False),
    "covers-ending": (_("Covers ending in the next 30 days"), None, False),
    "payments-by-status": (_("Payments by status"), payments_by_status, True),
    "payments-by-bank": (_("Payments by bank"), payments_by_bank, True),
}


def report_rows(name: str, *, period: Period) -> list[dict]:
    _title, function, _amounts = REPORTS[name]
    if function is None:
        return covers_ending()
    return function(period)
