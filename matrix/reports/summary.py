"""The reports' summary: per Kuala Lumpur day counts and amounts (DailyFigure) and the figures of the moment
(SummaryState), so the reports page reads a few hundred summary rows instead of every contribution and payment.

`summary_refresh()` runs every few minutes (the Celery task matrix.reports.tasks.reports_summary_refresh; by hand
`manage.py reports_refresh [--full]`). Each run recomputes whole days, from scratch, inside one transaction:

- every day from the previous run's `recompute_from` (the oldest payment that was still open, pending or needing
  attention, when that run read the data; else that run's own moment) to today, and at least the last
  RECENT_DAYS days. A payment changes while it is open, and its contribution is then paid at a moment
  between the payment's creation and now; so a late payment, or one settled by staff days later, lands in a day
  that the next run recomputes. The one change of a closed payment, FPX approving an attempt already closed as
  Failed, marks its day (`summary_day_stale`, in the settlement's transaction) and the next run starts there;
- every day since the first data on the first run, or with full=True (for what is rare and not tied to an open
  payment: a person's new state, a refund that unpays a period). A nightly full run is cheap insurance.

Running it twice, or twice at once, gives the same rows: on PostgreSQL a transaction-level advisory lock makes a
second run wait for the first, then recompute the same days (SQLite writes one transaction at a time anyway).
Each day's rows are what the live aggregate gives for that day (tests/reports/test_summary.py compares them)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.kltime import KL, kl, kl_start_of_day
from matrix.payments.models import Payment
from matrix.registrations.models import Registration
from matrix.reports.models import DailyFigure, SummaryStaleDay, SummaryState
from matrix.reports.selectors import summary_state_forget

RECENT_DAYS = 2  # today and yesterday at least: a row committed just after a run's read is in the next one's days
COVERS_ENDING_DAYS = 30
LOCK_KEY = 7_310_013  # pg_advisory_xact_lock: one refresh at a time
OPEN_PAYMENTS = (Payment.Status.PENDING, Payment.Status.NEEDS_ATTENTION)
ZERO = Decimal("0.00")

Figure = DailyFigure.Figure


def summary_refresh(*, now: datetime | None = None, full: bool = False) -> dict:
    """Bring the summary up to date as of `now`; returns what it did (days recomputed, rows written)."""
    now = now or timezone.now()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        state = SummaryState.objects.filter(pk=1).first()
        # Read before the days: a payment still open now is recomputed next time, whatever it becomes meanwhile;
        # a day marked after this read keeps its mark for the next run (only the marks read here are removed).
        oldest_open = _oldest_open_payment()
        stale = list(SummaryStaleDay.objects.values_list("pk", "day"))
        today = kl(now).date()
        first = _first_day(today) if full or state is None else min(
            kl(state.recompute_from).date(), today - timedelta(days=RECENT_DAYS - 1),
            *(day for _pk, day in stale))
        rows = _day_rows(first, today) if first is not None else []
        DailyFigure.objects.filter(day__gte=first or today).delete()
        DailyFigure.objects.bulk_create(rows, batch_size=2000)
        totals = DailyFigure.objects.filter(figure__in=[Figure.FIRST_PERIODS, Figure.FIRST_RENEWALS]).values(
            "figure").annotate(count=Sum("count"))
        totals = {row["figure"]: row["count"] for row in totals}
        covered = _covered(now)
        SummaryState.objects.update_or_create(pk=1, defaults={
            "refreshed_at": now, "recompute_from": min(oldest_open or now, now),
            "people_covered": covered["people"], "registrations_covered": covered["registrations"],
            "covers_ending": _covers_ending(now), "first_periods": totals.get(Figure.FIRST_PERIODS, 0),
            "first_renewals": totals.get(Figure.FIRST_RENEWALS, 0),
        })
        SummaryStaleDay.objects.filter(pk__in=[pk for pk, _day in stale]).delete()
        # The pages keep the state in the shared cache: forget it now (this process, and a test's transaction that
        # never commits) and again at commit (a page that read the old row meanwhile may have kept it).
        summary_state_forget()
        transaction.on_commit(summary_state_forget)
    return {"from": first.isoformat() if first else None, "to": today.isoformat(), "rows": len(rows)}


def summary_day_stale(moment: datetime) -> None:
    """The figures of `moment`'s day (Kuala Lumpur) changed after the summary counted them: the next refresh
    recomputes from that day. Called inside the transaction that changed them, so the mark commits with it."""
    SummaryStaleDay.objects.create(day=kl(moment).date())


def _oldest_open_payment() -> datetime | None:
    """When the oldest open payment was made: one short walk of the (status, created_at) index per status (a
    single MIN over both statuses reads every row of the index instead)."""
    moments = [moment for status in OPEN_PAYMENTS for moment in Payment.objects.filter(status=status)
               .order_by("created_at").values_list("created_at", flat=True)[:1]]
    return min(moments, default=None)


def _first_day(today: date) -> date | None:
    """The first day of any data the summary counts (None when there is none)."""
    moments = [
        Contribution.objects.filter(state=Contribution.State.PAID).aggregate(at=Min("paid_at"))["at"],
        Payment.objects.aggregate(at=Min("created_at"))["at"],
        Registration.objects.aggregate(at=Min("submitted_at"))["at"],
    ]
    days = [kl(moment).date() for moment in moments if moment is not None]
    return min(min(days), today) if days else None


def _paid(since: datetime, until: datetime):
    return Contribution.objects.filter(state=Contribution.State.PAID, paid_at__gte=since, paid_at__lt=until).annotate(
        day=TruncDate("paid_at", tzinfo=KL))


def _grouped(queryset, *keys, amounts: bool = True):
    annotations = {"n": Count("id")}
    if amounts:
        annotations["total"] = Coalesce(Sum("amount"), ZERO)
    return queryset.values("day", *keys).annotate(**annotations).order_by()


def _day_rows(first: date, last: date) -> list[DailyFigure]:
    since, until = kl_start_of_day(first), kl_start_of_day(last + timedelta(days=1))
    rows = []

    def add(figure, grouped, key=lambda row: "", **fields):
        for row in grouped:
            rows.append(DailyFigure(
                day=row["day"], figure=figure, key=key(row), count=row["n"], amount=row.get("total", ZERO),
                **{name: row[column] for name, column in fields.items()}))

    paid = _paid(since, until)
    add(Figure.SECTOR, _grouped(paid, "registration__sector_id"), key=lambda row: str(row["registration__sector_id"]),
        sector_id="registration__sector_id")
    add(Figure.STATE, _grouped(paid, "registration__person__state_id"),
        key=lambda row: str(row["registration__person__state_id"] or ""), state_id="registration__person__state_id")
    add(Figure.PLAN, _grouped(paid, "plan__number"), key=lambda row: str(row["plan__number"]))
    add(Figure.PAID, _grouped(paid))
    add(Figure.FIRST_PERIODS, _grouped(paid.filter(kind=Contribution.Kind.REGISTRATION), amounts=False))
    earlier = Contribution.objects.filter(
        registration=OuterRef("registration"), state=Contribution.State.PAID, kind=Contribution.Kind.RENEWAL).filter(
        Q(paid_at__lt=OuterRef("paid_at")) | Q(paid_at=OuterRef("paid_at"), pk__lt=OuterRef("pk")))
    add(Figure.FIRST_RENEWALS,
        _grouped(paid.filter(kind=Contribution.Kind.RENEWAL).filter(~Exists(earlier)), amounts=False))
    submitted = Registration.objects.filter(submitted_at__gte=since, submitted_at__lt=until).annotate(
        day=TruncDate("submitted_at", tzinfo=KL))
    add(Figure.REGISTRATIONS, _grouped(submitted, amounts=False))
    attempts = Payment.objects.filter(created_at__gte=since, created_at__lt=until).annotate(
        day=TruncDate("created_at", tzinfo=KL))
    add(Figure.PAYMENT_STATUS, _grouped(attempts, "status"), key=lambda row: row["status"])
    add(Figure.PAYMENT_BANK, _grouped(attempts, "buyer_bank_id", "bank_id"),
        key=lambda row: f"{row['buyer_bank_id']}:{row['bank_id'] or ''}", bank_id="bank_id")
    return rows


def _covered(now: datetime) -> dict:
    """People and sector registrations whose paid cover includes `now` (the index of paid periods by end)."""
    return Contribution.objects.filter(state=Contribution.State.PAID, end_at__gte=now, start_at__lte=now).aggregate(
        people=Count("registration__person", distinct=True), registrations=Count("registration", distinct=True))


def _covers_ending(now: datetime) -> list[list]:
    """Registrations whose paid cover (the latest end of their paid periods) ends in the next COVERS_ENDING_DAYS
    days, by Kuala Lumpur day: those with a paid period ending in the window and none ending after it."""
    until = now + timedelta(days=COVERS_ENDING_DAYS)
    later = Contribution.objects.filter(registration=OuterRef("registration"), state=Contribution.State.PAID,
                                        end_at__gte=until)
    ends = (Contribution.objects.filter(state=Contribution.State.PAID, end_at__gte=now, end_at__lt=until)
            .filter(~Exists(later)).values("registration").annotate(latest=Max("end_at")).order_by()
            .values_list("latest", flat=True))
    days: dict[date, int] = {}
    for end in ends.iterator(chunk_size=5000):
        day = kl(end).date()
        days[day] = days.get(day, 0) + 1
    return [[day.isoformat(), count] for day, count in sorted(days.items())]
