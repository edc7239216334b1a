"""Contribution History and View Contribution: time, queries and memory as the history grows, against the
same page with one row and against /healthz (a request that does almost nothing) in the same run."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from benchmarks.conftest import peak_bytes, per_call_seconds, report
from matrix.contributions.models import Contribution
from matrix.reference.models import Sector
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def person_with_history(*, sectors: int, periods_per_sector: int):
    """A person with `sectors` registrations of `periods_per_sector` paid periods each (newest first: 20 a page)."""
    person = person_make()
    start = timezone.now() - timedelta(days=400)
    for sector in Sector.objects.all()[:sectors]:
        registration = registration_make(person=person, sector=sector.code)
        moment = start
        for index in range(periods_per_sector):
            kind = Contribution.Kind.REGISTRATION if index == 0 else Contribution.Kind.RENEWAL
            contribution_make(registration=registration, kind=kind, months=1, created_at=moment,
                              state=Contribution.State.PAID, start_at=moment, end_at=moment + timedelta(days=30),
                              paid_at=moment)
            moment += timedelta(days=31)
    return person


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_history_page_scales_flat(client):
    small = person_with_history(sectors=1, periods_per_sector=1)
    large = person_with_history(sectors=20, periods_per_sector=10)  # 200 rows, 10 pages
    url = "/self-employed/contributions/"

    client.force_login(small.user)
    baseline = per_call_seconds(lambda: _get(client, "/healthz"), number=20)
    one_row = per_call_seconds(lambda: _get(client, url), number=20)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    small_queries = len(captured)  # read now: each request clears the connection's query log
    small_peak = peak_bytes(lambda: _get(client, url))

    client.force_login(large.user)
    many_rows = per_call_seconds(lambda: _get(client, url), number=20)
    last_page = per_call_seconds(lambda: _get(client, url + "?page=10"), number=20)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    large_queries = len(captured)
    large_peak = peak_bytes(lambda: _get(client, url))

    report("history, 1 row / healthz", f"{one_row / baseline:8.1f}x")
    report("history, 200 rows (page 1) / 1 row", f"{many_rows / one_row:8.2f}x")
    report("history, 200 rows (page 10) / 1 row", f"{last_page / one_row:8.2f}x")
    report("history queries, 1 row -> 200 rows", f"{small_queries:4d} -> {large_queries}")
    report("history peak memory, 200 rows / 1 row", f"{large_peak / small_peak:8.2f}x")
    assert large_queries == small_queries > 0


def test_view_contribution_against_history(client):
    person = person_with_history(sectors=3, periods_per_sector=4)
    client.force_login(person.user)
    contribution = Contribution.objects.filter(registration__person=person).first()
    history = per_call_seconds(lambda: _get(client, "/self-employed/contributions/"), number=20)
    view = per_call_seconds(lambda: _get(client, f"/self-employed/contributions/{contribution.pk}/"), number=20)
    report("view contribution / history page", f"{view / history:8.2f}x")
    assert view > 0
