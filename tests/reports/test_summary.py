"""The reports' summary (matrix.reports.summary): on the same data it gives the rows of the live aggregates, a
second run changes nothing, and a payment settled late (into a day already summarised) is picked up by the next
run. tests/perf/test_backoffice_scale_pg.py does the same on PostgreSQL with seed_scale's data, and runs two
refreshes at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.kltime import kl
from matrix.payments.models import Payment
from matrix.reports import selectors
from matrix.reports.models import DailyFigure, SummaryState
from matrix.reports.summary import summary_refresh
from tests.factories import contribution_make, registration_make
from tests.reports.helpers import payment_make

pytestmark = pytest.mark.django_db


def live_figures(period: selectors.Period, *, now) -> dict:
    """Every report as the live aggregates give it (the definition the summary must meet)."""
    figures = {name: function(period) for name, (_title, function, _amounts) in selectors.REPORTS.items()
               if function is not None}
    figures["covers-ending"] = selectors.covers_ending(now=now)
    figures["covered"] = selectors.people_covered(now=now)
    figures["renewal"] = selectors.renewal_rate()
    return figures


def summary_figures(period: selectors.Period) -> dict:
    state = SummaryState.objects.get(pk=1)
    figures = selectors.report_figures(period, state=state)
    figures.update(selectors.figures_of_the_moment(state))
    return figures


def summary_rows() -> list[tuple]:
    return list(DailyFigure.objects.order_by("day", "figure", "key").values_list(
        "day", "figure", "key", "sector_id", "state_id", "bank_id", "count", "amount"))


def _paid(*, registration=None, kind="REGISTRATION", paid_days_ago=1, end_days=60, plan_number=2,
          sector="information-technology", bank_code="MB2U0227"):
    now = timezone.now()
    paid_at = now - timedelta(days=paid_days_ago, hours=1)
    contribution = contribution_make(
        registration=registration or registration_make(sector=sector), plan_number=plan_number, kind=kind,
        state=Contribution.State.PAID, start_at=paid_at, end_at=paid_at + timedelta(days=end_days), paid_at=paid_at,
        created_at=paid_at)
    payment = payment_make(amount=f"{contribution.amount:.2f}", paid_at=paid_at, contribution=contribution,
                           bank_code=bank_code)
    Payment.objects.filter(pk=payment.pk).update(created_at=paid_at)
    return contribution


def _history():
    """Paid first periods and renewals over several days, sectors, plans and banks, failed attempts, covers
    ending inside and after the next 30 days."""
    for index in range(6):
        first = _paid(paid_days_ago=40 - index, end_days=30 + index * 5, plan_number=index % 4 + 1,
                      sector=("information-technology", "agent", "fishery")[index % 3],
                      bank_code=("MB2U0227", "BCBB0235")[index % 2])
        if index % 2:
            _paid(registration=first.registration, kind="RENEWAL", paid_days_ago=3 - index % 3, end_days=20)
        if index == 1:  # renewed twice: counted once in the renewal rate
            _paid(registration=first.registration, kind="RENEWAL", paid_days_ago=5, end_days=20)
        payment_make(amount="19.40", status=Payment.Status.FAILED, bank_code="BCBB0235")


def _period(days: int = 60) -> selectors.Period:
    today = kl(timezone.now()).date()
    return selectors.Period(today - timedelta(days=days), today)


def test_the_summary_gives_the_live_figures(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _history()
    summary_refresh()
    for period in (_period(), _period(2), _period(400)):
        assert summary_figures(period) == live_figures(period, now=timezone.now())
    assert summary_figures(_period())["renewal"]["renewed"] == 3


def test_a_second_run_changes_nothing_and_a_full_run_gives_the_same_rows(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _history()
    summary_refresh()
    first = summary_rows()
    assert first
    summary_refresh()
    assert summary_rows() == first
    summary_refresh(full=True)
    assert summary_rows() == first


def test_a_payment_settled_late_into_a_past_day_is_picked_up(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _history()
    # A payment made 10 days ago, still pending (the bank has not answered) when the summary is refreshed.
    contribution = contribution_make(plan_number=3, created_at=timezone.now() - timedelta(days=10))
    pending = payment_make(amount=f"{contribution.amount:.2f}", status=Payment.Status.PENDING,
                           contribution=contribution)
    made_at = timezone.now() - timedelta(days=10)
    Payment.objects.filter(pk=pending.pk).update(created_at=made_at)
    summary_refresh()
    assert kl(SummaryState.objects.get().recompute_from).date() == kl(made_at).date()
    # Three days later the re-query learns that the bank approved it 10 days ago, a minute after it was made.
    time_machine.move_to(timezone.now() + timedelta(days=3), tick=False)
    approved_at = made_at + timedelta(minutes=1)
    Payment.objects.filter(pk=pending.pk).update(status=Payment.Status.PAID, paid_at=approved_at,
                                                 receipt_no="20269999999999", settled_at=timezone.now())
    Contribution.objects.filter(pk=contribution.pk).update(
        state=Contribution.State.PAID, paid_at=approved_at, start_at=approved_at,
        end_at=approved_at + timedelta(days=90))
    summary_refresh()
    period = _period()
    assert summary_figures(period) == live_figures(period, now=timezone.now())
    day = kl(approved_at).date()
    assert DailyFigure.objects.get(day=day, figure=DailyFigure.Figure.PLAN, key="3").count == 1
    # Nothing is open any more: the next run starts from its own moment (and the last days).
    assert SummaryState.objects.get().recompute_from == timezone.now()


def test_the_last_days_are_recomputed_even_with_nothing_open(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    summary_refresh()
    _paid(paid_days_ago=1)  # committed just after the previous run read the data
    time_machine.move_to(timezone.now() + timedelta(minutes=5), tick=False)
    summary_refresh()
    assert summary_figures(_period()) == live_figures(_period(), now=timezone.now())


def test_an_empty_database_gives_empty_figures():
    summary_refresh()
    figures = summary_figures(_period())
    assert all(figures[name] == [] for name in selectors.REPORTS)
    assert figures["covered"] == {"people": 0, "registrations": 0} and figures["renewal"]["paid"] == 0
