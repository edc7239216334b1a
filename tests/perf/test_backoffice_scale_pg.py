"""The back office at national scale, on PostgreSQL with seed_scale's data: every query of the staff person search
is served by an index (EXPLAIN with sequential scans priced out reads no large table from end to end), a part of a
name goes through the trigram index (pg_trgm, accounts migration 0005), and the reports' summary gives the live
aggregates' rows, also when two refreshes run at once."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.accounts.models import User
from matrix.backoffice import selectors
from matrix.payments.models import Payment
from matrix.registrations.models import SelfEmployedPerson
from matrix.reports import selectors as report_selectors
from matrix.reports.models import DailyFigure
from matrix.reports.summary import summary_refresh
from matrix.scale import seed as scale_seed
from matrix.scale.seed import Seeder
from tests.concurrency import race
from tests.reports.test_summary import live_figures, summary_figures, summary_rows

pytestmark = [pytest.mark.postgres]

PEOPLE = 60
LARGE_TABLES = ("contributions_contribution", "payments_payment", "registrations_registration", "accounts_user",
                "registrations_selfemployedperson", "payments_fpxmessage", "notifications_message")


@pytest.fixture
def seeded(db, monkeypatch):
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 30)
    return Seeder(people=PEOPLE, seed=11, check_foreign_keys=True).run(workers=1)


def _search_sql(query: str) -> list[str]:
    """The SQL person_search ran for `query` (with its parameters in it)."""
    with CaptureQueriesContext(connection) as captured:
        selectors.person_search(query=query)
    return [entry["sql"] for entry in captured.captured_queries]


def _plan(sql: str) -> str:
    """The plan with whole-table reads priced out: sequential scans, and index scans (which may read a whole
    index with a filter, as a small table invites). Bitmap scans always have an index condition, so a plan that
    can answer from index conditions does; one that cannot still reads a table with a Seq Scan."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            cursor.execute(f"SET LOCAL {setting} = on")
    return plan


def _full_scans(plan: str) -> list[str]:
    """Scans of a large table that PostgreSQL had to make although they are priced out (a cost of 10^10 and more
    from the node itself): a sequential scan, or an index read from end to end with a filter."""
    found = []
    for line in plan.splitlines():
        scan = re.search(r"(Seq Scan|Index Scan|Index Only Scan)( using \S+)? on (\S+) .*\(cost=(\d+)", line)
        if scan and scan.group(3) in LARGE_TABLES and int(scan.group(4)) >= 10**10:
            found.append(line.strip())
    return found


def _queries_by_shape() -> dict[str, str]:
    user = User.objects.filter(email__endswith="@scale.example").select_related("self_employed").order_by("pk")[7]
    payment = Payment.objects.filter(status=Payment.Status.PAID, contribution__registration__person__user=user).first()
    ic = user.id_number
    return {
        "IC": ic, "IC with dashes": f"{ic[:6]}-{ic[6:8]}-{ic[8:]}", "receipt": payment.receipt_no,
        "Self-Employed Code": user.self_employed.self_employed_code.lower(),
        "part of a name": user.full_name.split()[1].lower(), "whole name": user.full_name,
    }


def test_each_search_shape_reads_only_indexes(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone(), "accounts migration 0005 creates pg_trgm"
    scans = {}
    for shape, query in _queries_by_shape().items():
        sql = _search_sql(query)
        assert len(sql) == 1, shape
        scans[shape] = _full_scans(_plan(sql[0]))
    assert {shape: found for shape, found in scans.items() if found} == {}


def test_a_part_of_a_name_uses_the_trigram_index(seeded):
    rare = User.objects.filter(email__endswith="@scale.example").order_by("pk")[3].full_name  # "<FIRST> <LAST> 3"
    plan = _plan(_search_sql(rare.lower())[0])
    assert "accounts_user_full_name_trgm" in plan, plan


def test_each_search_shape_finds_its_person(seeded):
    user = User.objects.filter(email__endswith="@scale.example").order_by("pk")[7]
    for shape, query in _queries_by_shape().items():
        assert user.pk in [found.pk for found in selectors.person_search(query=query)], shape


def test_a_mobile_or_an_email_reads_only_indexes(seeded):
    """The person's mobile and email (registrations migration 0003) are read through their own indexes: the email's
    is on UPPER(email::text), the very expression iexact compiles to on PostgreSQL."""
    person = SelfEmployedPerson.objects.order_by("pk").first()
    plans = {query: _plan(_search_sql(query)[0]) for query in ("0" + person.mobile[1:], person.email)}
    scans = {query: _full_scans(plan) for query, plan in plans.items()}
    assert {query: found for query, found in scans.items() if found} == {}
    assert "person_mobile_idx" in plans["0" + person.mobile[1:]], plans
    assert "person_email_upper_idx" in plans[person.email], plans


def _period(days: int) -> report_selectors.Period:
    today = timezone.localdate()
    return report_selectors.Period(today - timedelta(days=days), today)


def test_the_summary_gives_the_live_figures_on_scale_data(seeded, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    summary_refresh()
    assert DailyFigure.objects.exists()
    for period in (_period(30), _period(365), _period(5 * 366)):
        assert summary_figures(period) == live_figures(period, now=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_leave_the_same_rows_as_one(transactional_db, monkeypatch, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 30)
    Seeder(people=PEOPLE, seed=12, check_foreign_keys=True).run(workers=1)
    outcomes = race(lambda: summary_refresh(full=True), threads=3)
    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    rows = summary_rows()
    summary_refresh(full=True)
    assert summary_rows() == rows
    assert summary_figures(_period(5 * 366)) == live_figures(_period(5 * 366), now=timezone.now())
