"""Reports: the figures (from the summary, as of its last refresh), the charts with their table alternative, the CSV
export, the audit rows, and a fixed number of queries whatever the data size."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matrix.backoffice.models import AuditEvent
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from matrix.reports import views
from matrix.reports.summary import summary_refresh
from tests.backoffice.conftest import staff_client
from tests.factories import contribution_make, registration_make
from tests.reports.helpers import payment_make

pytestmark = pytest.mark.django_db


def _paid_contribution(*, sector="information-technology", plan_number=2, months=4, kind="REGISTRATION",
                       registration=None, start=None, end_days=100):
    now = timezone.now()
    start = start or now - timedelta(days=1)
    paid_at = min(start, now)  # a renewal is paid before its period starts, never in the future
    contribution = contribution_make(
        registration=registration or registration_make(sector=sector), plan_number=plan_number, months=months,
        kind=kind, state=Contribution.State.PAID, start_at=start, end_at=start + timedelta(days=end_days),
        paid_at=paid_at)
    payment_make(amount=f"{contribution.amount:.2f}", paid_at=paid_at, contribution=contribution)
    return contribution


def _data(size: int):
    for index in range(size):
        first = _paid_contribution(sector=("information-technology", "agent", "fishery")[index % 3],
                                   plan_number=index % 4 + 1, end_days=10 + index)
        if index % 2:
            _paid_contribution(registration=first.registration, kind="RENEWAL",
                               start=first.end_at + timedelta(seconds=1), end_days=30)
        payment_make(amount="19.40", status=Payment.Status.FAILED, bank_code="BCBB0235")


def test_the_figures(supervisor):
    _data(4)
    summary_refresh()
    body = staff_client(supervisor).get(reverse("backoffice:reports")).content.decode()
    assert 'data-figure="people-covered">4<' in body
    # 4 registrations with a paid first period, 2 of them renewed.
    assert 'data-figure="renewal-rate">50.0%<' in body
    for name in ("contributions-by-sector", "contributions-by-state", "contributions-by-plan",
                 "contributions-by-month", "registrations-per-day", "covers-ending", "payments-by-status",
                 "payments-by-bank"):
        assert f'data-report="{name}"' in body
    assert "INFORMATION TECHNOLOGY" in body and "CIMB Clicks" in body and "Failed" in body


def test_charts_are_svg_with_a_table_for_screen_readers(supervisor):
    _data(3)
    summary_refresh()
    body = staff_client(supervisor).get(reverse("backoffice:reports")).content.decode()
    assert '<svg class="w-full text-txt-primary"' in body and 'aria-hidden="true"' in body
    assert '<table class="sr-only">' in body and "<caption>Contributions by plan</caption>" in body
    assert '<script' not in body.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_page_speaks_malay(supervisor):
    _data(2)
    summary_refresh()
    client = staff_client(supervisor)
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    body = client.get(reverse("backoffice:reports")).content.decode()
    assert "Laporan" in body and "Teknologi Maklumat" in body and "Caruman mengikut sektor" in body


def test_csv_export_by_plan_is_audited(supervisor):
    _paid_contribution(plan_number=2, months=4)
    _paid_contribution(plan_number=2, months=3)
    _paid_contribution(plan_number=1, months=3)
    summary_refresh()
    client = staff_client(supervisor)
    response = client.get(reverse("backoffice:report_export", args=["contributions-by-plan"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["Category", "Count", "Amount (RM)"], ["Plan 1", "1", "39.30"], ["Plan 2", "2", "135.80"]]
    event = AuditEvent.objects.get(action="report.export")
    assert event.details["report"] == "contributions-by-plan" and event.actor == supervisor.user
    assert client.get(reverse("backoffice:report_export", args=["nope"])).status_code == 404


def test_viewing_is_audited_with_the_period(supervisor):
    staff_client(supervisor).get(reverse("backoffice:reports"), {"date_from": "2026-01-01", "date_to": "2026-06-30"})
    event = AuditEvent.objects.get(action="report.view")
    assert event.details == {"date_from": "2026-01-01", "date_to": "2026-06-30"}


def test_a_reversed_period_is_explained(supervisor):
    response = staff_client(supervisor).get(reverse("backoffice:reports"),
                                            {"date_from": "2026-06-30", "date_to": "2026-01-01"})
    assert "The start date must be on or before the end date." in response.content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url_name", ["reports", "report_export"])
def test_a_fixed_number_of_queries_whatever_the_data_size(supervisor, django_assert_num_queries, url_name,
                                                          time_machine):
    time_machine.move_to(timezone.now(), tick=False)  # the session records activity once, whatever the test's pace
    client = staff_client(supervisor)
    url = reverse("backoffice:reports") if url_name == "reports" else reverse(
        "backoffice:report_export", args=["payments-by-bank"])
    _data(1)
    summary_refresh()
    client.get(url)  # the session's first request records activity; later ones within a minute do not
    cache.clear()  # the page's sections are cached per refresh: count the queries that compute them
    small = _queries(client, url)
    _data(12)
    summary_refresh()
    cache.clear()
    with django_assert_num_queries(small):
        client.get(url)
    assert small <= 8


def test_the_first_view_asks_for_the_first_refresh_once(supervisor, monkeypatch):
    asked = []
    monkeypatch.setattr(views.reports_summary_refresh, "delay", lambda: asked.append(True))
    client = staff_client(supervisor)
    for _ in range(2):
        assert "The figures have not been prepared yet" in client.get(reverse("backoffice:reports")).content.decode()
    assert asked == [True]


def test_without_a_broker_the_first_view_shows_figures(supervisor):
    _data(2)
    body = staff_client(supervisor).get(reverse("backoffice:reports")).content.decode()
    assert 'data-figure="people-covered">2<' in body and "Figures as of" in body


def test_the_page_says_as_of_when_and_shows_the_summary_until_the_next_refresh(supervisor, time_machine):
    time_machine.move_to(kl_datetime(2026, 11, 30, 9, 15), tick=False)
    client = staff_client(supervisor)
    _data(2)
    summary_refresh()
    body = client.get(reverse("backoffice:reports")).content.decode()
    assert "Figures as of 30-11-2026 09:15 (Kuala Lumpur time)" in body
    assert 'data-figure="people-covered">2<' in body
    _data(1)  # not in the figures until the next refresh: the page says as of when they are
    assert 'data-figure="people-covered">2<' in client.get(reverse("backoffice:reports")).content.decode()
    time_machine.move_to(kl_datetime(2026, 11, 30, 9, 20), tick=False)
    summary_refresh()
    body = client.get(reverse("backoffice:reports")).content.decode()
    assert 'data-figure="people-covered">3<' in body and "Figures as of 30-11-2026 09:20" in body


def test_the_csv_and_the_page_show_the_same_numbers(supervisor):
    _data(5)
    summary_refresh()
    client = staff_client(supervisor)
    body = client.get(reverse("backoffice:reports")).content.decode()
    for name in ("contributions-by-sector", "payments-by-bank", "registrations-per-day", "covers-ending"):
        rows = list(csv.reader(io.StringIO(
            client.get(reverse("backoffice:report_export", args=[name])).content.decode())))[1:]
        assert rows
        section = body.split(f'data-report="{name}"', 1)[1].split("</section>", 1)[0]
        for row in rows:
            assert f'<th scope="row">{row[0]}</th><td>{row[1]}</td>' in section
