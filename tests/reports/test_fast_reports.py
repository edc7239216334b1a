"""The reports page made fast (issue 13): the summary's state is kept in the shared cache and forgotten by each
refresh (at once and at its commit), and the page's whole content is kept per refresh, period, language and query,
so a view with nothing new reads neither the summary nor its state."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.reports import selectors
from matrix.reports.summary import summary_refresh
from tests.backoffice.conftest import staff_client
from tests.reports.test_reports import _data

pytestmark = pytest.mark.django_db


def _view(client, **query) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("backoffice:reports"), query)
    assert response.status_code == 200
    return response.content.decode(), [entry["sql"] for entry in captured.captured_queries]


def _reads(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if sql.startswith("SELECT") and f'"{table}"' in sql or f" {table} " in sql]


def test_a_second_view_reads_neither_the_state_nor_the_summary(supervisor):
    _data(3)
    summary_refresh()
    client = staff_client(supervisor)
    first_body, first = _view(client)
    second_body, second = _view(client)
    assert _reads(first, "reports_summarystate") and _reads(first, "reports_dailyfigure")
    assert not _reads(second, "reports_summarystate") and not _reads(second, "reports_dailyfigure")
    assert 'data-figure="people-covered">3<' in second_body
    assert second_body.split("<main", 1)[1].split("</main>")[0] == first_body.split("<main", 1)[1].split("</main>")[0]


def test_a_refresh_shows_at_once_without_clearing_the_cache(supervisor):
    _data(2)
    summary_refresh()
    client = staff_client(supervisor)
    assert 'data-figure="people-covered">2<' in _view(client)[0]
    _data(1)
    assert 'data-figure="people-covered">2<' in _view(client)[0]  # as of the last refresh
    summary_refresh()
    assert 'data-figure="people-covered">3<' in _view(client)[0]


def test_the_state_kept_by_a_page_during_a_refresh_is_forgotten_at_its_commit(django_capture_on_commit_callbacks):
    summary_refresh()
    with django_capture_on_commit_callbacks() as callbacks:
        summary_refresh()
    stale = selectors.summary_state()  # a page read the state before the refresh committed, and kept it
    assert cache.get(selectors.STATE_CACHE_KEY) is not None
    for callback in callbacks:
        callback()
    assert cache.get(selectors.STATE_CACHE_KEY) is None
    assert selectors.summary_state().refreshed_at >= stale.refreshed_at


def test_never_refreshed_is_kept_too(supervisor, monkeypatch):
    monkeypatch.setattr("matrix.reports.views.reports_summary_refresh.delay", lambda: None)
    client = staff_client(supervisor)
    _view(client)
    body, statements = _view(client)
    assert "The figures have not been prepared yet" in body
    assert not _reads(statements, "reports_summarystate")


def test_each_period_and_language_has_its_own_page(supervisor):
    _data(2)
    summary_refresh()
    client = staff_client(supervisor)
    year, _sql = _view(client)
    january, _sql = _view(client, date_from="2026-01-01", date_to="2026-01-31")
    assert "Showing 01-01-2026 to 31-01-2026." in january and "Showing 01-01-2026 to 31-01-2026." not in year
    export = reverse("backoffice:report_export", args=["contributions-by-plan"])
    assert f'href="{export}?date_from=2026-01-01&amp;date_to=2026-01-31"' in january
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    assert "Caruman mengikut sektor" in _view(client)[0]
