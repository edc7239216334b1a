"""The reports. The page, its charts and the CSV export read the summary (matrix.reports.summary: per Kuala Lumpur
day figures kept up to date every few minutes, and the figures of the moment of its last refresh) through
`report_figures(period)`: three small queries whatever the number of contributions, registrations or payments
(tests/reports/test_reports.py counts them at two sizes). The figures are as of `SummaryState.refreshed_at`,
which the page shows.

The live aggregates below (contributions_by_sector, ..., renewal_rate) are the definition of each figure: the
summary must give the same rows on the same data (tests/reports/test_summary.py), and they remain for a one-off
look at a live figure. Paid contributions are counted by their moment of payment (paid_at) in Kuala Lumpur time."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, DateTimeField, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matrix.contributions.models import Contribution
from matrix.core.kltime import KL, kl_start_of_day
from matrix.payments.models import Payment
from matrix.registrations.models import Registration
from matrix.reports.models import DailyFigure, SummaryState

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
    return _renewal(counts["paid"], counts["renewed"])


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


# name → (title, live function, has amounts)
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


# --- from the summary -----------------------------------------------------------------------------------------

Figure = DailyFigure.Figure
BREAKDOWNS = (Figure.SECTOR, Figure.STATE, Figure.PLAN, Figure.PAYMENT_STATUS, Figure.PAYMENT_BANK)


# The summary's state is read by every view of the reports and changes only when a refresh commits (every few
# minutes): it is kept in the shared cache, which the refresh clears (summary_state_forget). The timeout bounds how
# long a change made some other way (by hand in the database) goes unseen.
STATE_CACHE_KEY = "reports:summary-state"
STATE_CACHE_SECONDS = 60
_NEVER = "never-refreshed"  # a cached "no refresh yet", told from a cache miss (None)


def summary_state() -> SummaryState | None:
    state = cache.get(STATE_CACHE_KEY)
    if state is None:
        state = SummaryState.objects.filter(pk=1).first() or _NEVER
        cache.set(STATE_CACHE_KEY, state, STATE_CACHE_SECONDS)
    return None if state == _NEVER else state


def summary_state_forget() -> None:
    """The summary was refreshed: the next read takes the new state from the database."""
    cache.delete(STATE_CACHE_KEY)


def _row(label, count, amount=None) -> dict:
    row = {"label": label, "count": count}
    if amount is not None:
        row["amount"] = amount
    return row


def report_figures(period: Period, *, state: SummaryState | None = None) -> dict[str, list[dict]]:
    """Every report's rows for `period`, from the summary (two queries), and covers-ending from `state` (the
    summary's last refresh; read when not given)."""
    in_period = DailyFigure.objects.filter(day__gte=period.start, day__lte=period.end)
    by_figure: dict[str, list[dict]] = {figure: [] for figure in BREAKDOWNS}
    for row in _sums(period):
        by_figure[row["figure"]].append(row)
    malay = _malay()
    sector_name = "sector__name_ms" if malay else "sector__name_en"
    statuses = dict(Payment.Status.choices)
    figures = {
        "contributions-by-sector": [
            _row(row[sector_name], row["total_count"], row["total_amount"]) for row in sorted(
                by_figure[Figure.SECTOR], key=lambda row: (row["sector__sort_order"] or 0, row["sector__name_en"] or "",
                                                           row["sector__name_ms"] or ""))],
        "contributions-by-state": [
            _row(row["state__name"] or "-", row["total_count"], row["total_amount"]) for row in sorted(
                by_figure[Figure.STATE], key=lambda row: (row["state__name"] is None, row["state__name"] or ""))],
        "contributions-by-plan": [
            _row(_("Plan %(number)s") % {"number": row["key"]}, row["total_count"], row["total_amount"])
            for row in sorted(by_figure[Figure.PLAN], key=lambda row: int(row["key"]))],
        "payments-by-status": [
            _row(str(statuses.get(row["key"], row["key"])), row["total_count"], row["total_amount"])
            for row in sorted(by_figure[Figure.PAYMENT_STATUS], key=lambda row: row["key"])],
        "payments-by-bank": _banks(by_figure[Figure.PAYMENT_BANK]),
    }
    months: dict[date, list] = {}
    registrations = []
    days = (in_period.filter(figure__in=[Figure.PAID, Figure.REGISTRATIONS])
            .values_list("figure", "day", "count", "amount").order_by("day"))
    for figure, day, count, amount in days:
        if figure == Figure.REGISTRATIONS:
            registrations.append(_row(day.strftime("%d-%m-%Y"), count))
        else:
            month = months.setdefault(day.replace(day=1), [0, ZERO])
            month[0] += count
            month[1] += amount
    figures["contributions-by-month"] = [_row(month.strftime("%m-%Y"), count, amount)
                                         for month, (count, amount) in sorted(months.items())]
    figures["registrations-per-day"] = registrations
    state = state if state is not None else summary_state()
    figures["covers-ending"] = [_row(date.fromisoformat(day).strftime("%d-%m-%Y"), count)
                                for day, count in (state.covers_ending if state else [])]
    return figures


SUMS_SQL = """
    SELECT f.figure, f.key, s.sort_order, s.name_en, s.name_ms, st.name, b.name, f.total_count, f.total_amount
    FROM (SELECT figure, key, MAX(sector_id) AS sector_id, MAX(state_id) AS state_id, MAX(bank_id) AS bank_id,
                 SUM(count) AS total_count, SUM(amount) AS total_amount
          FROM reports_dailyfigure
          WHERE day >= %s AND day <= %s AND figure IN (%s, %s, %s, %s, %s)
          GROUP BY figure, key) f
    LEFT JOIN reference_sector s ON s.id = f.sector_id
    LEFT JOIN reference_state st ON st.id = f.state_id
    LEFT JOIN reference_bank b ON b.id = f.bank_id"""
SUMS_COLUMNS = ("figure", "key", "sector__sort_order", "sector__name_en", "sector__name_ms", "state__name",
                "bank__name", "total_count", "total_amount")


def _sums(period: Period) -> list[dict]:
    """The period's sums by figure and key, with their labels: the days are summed first, then the few sums are
    joined to the reference tables (a key names one sector, state or bank, so MAX of its id is that id)."""
    with connection.cursor() as cursor:
        cursor.execute(SUMS_SQL, [period.start, period.end, *BREAKDOWNS])
        rows = [dict(zip(SUMS_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # SQLite's SUM of a decimal column is a float or an int
        row["total_amount"] = Decimal(str(row["total_amount"] or 0)).quantize(ZERO)
    return rows


def _banks(rows: list[dict]) -> list[dict]:
    """One row per bank code and name, as the live report groups them (the key also holds the bank's id)."""
    merged: dict[tuple, list] = {}
    for row in rows:
        code = row["key"].rsplit(":", 1)[0]
        total = merged.setdefault((code, row["bank__name"] or ""), [0, ZERO])
        total[0] += row["total_count"]
        total[1] += row["total_amount"]
    return [_row(name or code or "-", count, amount) for (code, name), (count, amount) in sorted(merged.items())]


def figures_of_the_moment(state: SummaryState | None) -> dict:
    """People covered and the renewal rate, as of the summary's last refresh."""
    if state is None:
        return {"covered": {"people": 0, "registrations": 0}, "renewal": _renewal(0, 0)}
    return {"covered": {"people": state.people_covered, "registrations": state.registrations_covered},
            "renewal": _renewal(state.first_periods, state.first_renewals)}


def _renewal(paid: int, renewed: int) -> dict:
    percent = (Decimal(renewed * 100) / paid).quantize(Decimal("0.1")) if paid else Decimal("0.0")
    return {"paid": paid, "renewed": renewed, "percent": percent}
