"""seed_scale's data obeys the domain rules (and, written with the foreign-key checks on, every constraint), the
pages show it, and every query the pages and jobs make per person or per day is served by an index: EXPLAIN with
sequential scans priced out must not read a large table from end to end (at 1,000,000 people each one would)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.accounts import selectors as account_selectors
from matrix.accounts.models import User
from matrix.contributions import selectors as contribution_selectors
from matrix.contributions.models import Contribution
from matrix.core.coverage import cover_until, coverage_end
from matrix.core.kltime import kl
from matrix.payments import selectors as payment_selectors
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.selectors import payments_requery_due
from matrix.registrations import selectors as registration_selectors
from matrix.registrations.models import Registration
from matrix.scale import seed as scale_seed
from matrix.scale.seed import Seeder, copy_text, drop_secondary_indexes, scale_id_number
from tests.scale.helpers import person_failing_at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PEOPLE = 120
LARGE_TABLES = ("contributions_contribution", "payments_payment", "registrations_registration", "accounts_user",
                "registrations_selfemployedperson", "payments_fpxmessage", "notifications_message")


@pytest.fixture
def seeded(db, monkeypatch):
    # Five chunks built by two worker processes: each chunk's ids come from its own slices of the reserved
    # blocks, and the foreign-key checks (on here) prove they line up across chunks and workers.
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 25)
    made = Seeder(people=PEOPLE, seed=7, check_foreign_keys=True).run(workers=2)
    return made


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)",
                       [[table for table, _ in scale_seed.TABLES.values()]])
        return {name for (name,) in cursor.fetchall()}


def _recorded_as_dropped() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scale_dropped_index")
        return cursor.fetchone()[0]


def _seeded_users():
    return User.objects.filter(email__endswith="@scale.example")


def test_seed_makes_what_it_reports_and_follows_the_coverage_rules(seeded):
    assert _seeded_users().count() == PEOPLE == seeded.counts["people"]
    contributions = Contribution.objects.filter(registration__person__user__email__endswith="@scale.example")
    assert contributions.count() == seeded.counts["contributions"]
    payments = Payment.objects.filter(contribution__in=contributions)
    assert payments.count() == seeded.counts["payments"]
    assert payments.filter(status=Payment.Status.PENDING).count() == seeded.counts["pending payments"]
    registrations = list(Registration.objects.filter(person__user__email__endswith="@scale.example"))
    assert 1.3 <= len(registrations) / PEOPLE <= 1.7
    assert 3 <= contributions.count() / len(registrations) <= 12
    for registration in registrations:
        periods = list(registration.contributions.order_by("created_at", "pk"))
        assert 1 <= len(periods) <= 13
        assert periods[0].kind == Contribution.Kind.REGISTRATION
        latest_end = None
        for period in periods:
            assert period.amount == period.monthly_contribution * period.months
            if period.state != Contribution.State.PAID:
                assert period is periods[-1] and period.kind == Contribution.Kind.RENEWAL
                assert period.payments.get().status == Payment.Status.PENDING
                continue
            assert period.end_at == coverage_end(start=period.start_at, months=period.months)
            if latest_end is None:
                assert period.start_at == period.paid_at  # cover starts at the bank's approval
            elif period.paid_at >= cover_until(latest_end):
                assert period.start_at == period.paid_at  # after a lapse: at payment, never retroactive
            else:
                assert kl(period.start_at) == cover_until(latest_end)  # 00:00:00 the day after the latest end
            latest_end = period.end_at
            paid = period.payments.get(status=Payment.Status.PAID)
            assert paid.receipt_no.startswith(str(kl(paid.paid_at).year))
            assert paid.amount == period.amount
    assert FpxMessage.objects.filter(payment__in=payments).count() == seeded.counts["fpx messages"]


def test_the_load_drops_the_secondary_indexes_and_builds_them_again(db, monkeypatch):
    before = _indexes()
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 10)
    seeder = Seeder(people=30, seed=3, check_foreign_keys=True)
    seeder.run(workers=2)
    assert "contributions_contribution_pkey" not in seeder.dropped_indexes  # primary keys and unique ones stay
    assert len(seeder.dropped_indexes) >= 10
    assert sorted(seeder.recreated_indexes) == sorted(seeder.dropped_indexes)
    assert _indexes() == before and _recorded_as_dropped() == 0


def test_a_failure_midway_leaves_the_indexes_built_and_the_run_can_go_on(db, monkeypatch):
    before = _indexes()
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 10)
    person = Seeder._person
    person_failing_at(monkeypatch, 25)
    with pytest.raises(RuntimeError, match="generator failed"):
        Seeder(people=40, seed=3, check_foreign_keys=True).run(workers=2, drop_indexes=True)
    assert _indexes() == before and _recorded_as_dropped() == 0
    assert _seeded_users().count() == 20  # the two chunks before the failure, each in its own transaction
    monkeypatch.setattr(Seeder, "_person", person)
    Seeder(people=20, seed=3, check_foreign_keys=True).run(start_index=20)
    assert _seeded_users().count() == 40


def test_indexes_a_killed_run_left_dropped_are_built_by_the_next_run(db):
    before = _indexes()
    with connection.cursor() as cursor:
        dropped = drop_secondary_indexes(cursor.cursor)  # as if the process had been killed after the drop
    assert dropped and _indexes() == before - set(dropped) and _recorded_as_dropped() == len(dropped)
    Seeder(people=3, seed=3, check_foreign_keys=True).run(drop_indexes=False)
    assert _indexes() == before and _recorded_as_dropped() == 0


def test_copy_text_escapes_what_copy_would_misread(db):
    rows = [(1, "tab\there", "back\\slash \\N", None, True), (2, "new\nline\rreturn", "", None, False)]
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor
        cursor.execute("CREATE TEMP TABLE copy_probe (id int, a text, b text, c text, d bool)")
        with cursor.copy("COPY copy_probe FROM STDIN") as copy:
            copy.write(copy_text(rows))
        cursor.execute("SELECT * FROM copy_probe ORDER BY id")
        assert [tuple(row) for row in cursor.fetchall()] == rows


def test_a_second_run_adds_people_after_the_first(seeded):
    Seeder(people=5, seed=8, check_foreign_keys=True).run(start_index=PEOPLE)
    assert _seeded_users().count() == PEOPLE + 5
    assert User.objects.filter(id_number=scale_id_number(PEOPLE + 4)).exists()


def test_a_seeded_persons_history_shows_their_rows_in_a_fixed_number_of_queries(seeded, client):
    user = _seeded_users().order_by("pk").first()
    client.force_login(user)
    client.get("/self-employed/contributions/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/self-employed/contributions/")
    assert response.status_code == 200
    page = response.content.decode()
    rows = Contribution.objects.filter(registration__person__user=user).order_by("-created_at", "-pk")[:20]
    for contribution in rows:
        assert f'data-contribution="{contribution.pk}"' in page
    assert len(queries) <= 8


def _plan(query) -> str:
    """EXPLAIN of a queryset, or of a raw statement given as (sql, params), whole-table reads priced out."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        if isinstance(query, tuple):
            cursor.execute("EXPLAIN " + query[0], query[1])
            return "\n".join(row[0] for row in cursor.fetchall())
    return query.explain()


def _full_scans(plan: str) -> list[str]:
    return [line.strip() for line in plan.splitlines()
            if "Seq Scan on" in line and any(f"Seq Scan on {table}" in line for table in LARGE_TABLES)]


def test_the_queries_of_pages_and_jobs_use_indexes(seeded):
    user = _seeded_users().order_by("pk").first()
    contribution = Contribution.objects.filter(registration__person__user=user).first()
    payment = Payment.objects.filter(status=Payment.Status.PAID).first()
    now = timezone.now()
    queries = {
        # The page's own statement (contributions.selectors._HISTORY_SQL), as history_page runs it.
        "history page": (contribution_selectors._HISTORY_SQL, {
            "paid": "PAID", "first": "REGISTRATION", "renewal": "RENEWAL", "awaiting": "AWAITING_PAYMENT",
            "user": user.pk, "limit": 20, "offset": 0}),
        # The pages' own statements, as their selectors run them.
        "view contribution": (contribution_selectors._VIEW_SQL, {"paid": "PAID", "pk": contribution.pk,
                                                                 "user": user.pk}),
        "view contribution payments": (contribution_selectors._VIEW_PAYMENTS_SQL, [contribution.pk]),
        "view contribution documents": (contribution_selectors._VIEW_DOCUMENTS_SQL, [contribution.registration_id]),
        "payment details": (payment_selectors._DETAILS_ROW_SQL, [payment.pk, user.pk]),
        "receipt download": (payment_selectors._RECEIPT_SQL, {"payment": payment.pk, "paid": "PAID"}),
        "dashboard covers": (registration_selectors._COVERS_SQL, {
            "first": "REGISTRATION", "paid": "PAID", "awaiting": "AWAITING_PAYMENT", "user": user.pk}),
        "signed-in user": (account_selectors._USER_SQL, [user.pk]),
        "settle by order": Payment.objects.filter(seller_ex_order_no=payment.seller_ex_order_no),
        "fpx messages of an order": FpxMessage.objects.filter(seller_ex_order_no=payment.seller_ex_order_no),
        "re-query due": payments_requery_due(now=now)[:500],
        "staff search by IC": User.objects.filter(id_number=user.id_number),
        "receipt search": Payment.objects.filter(receipt_no=payment.receipt_no),
        "reconciliation day": Payment.objects.filter(
            status=Payment.Status.PAID, paid_at__gte=now - timedelta(days=1), paid_at__lt=now),
        "reports paid by period": Contribution.objects.filter(
            state=Contribution.State.PAID, paid_at__gte=now - timedelta(days=31), paid_at__lt=now),
        "reports attempts by period": Payment.objects.filter(created_at__gte=now - timedelta(days=31),
                                                             created_at__lt=now),
    }
    try:
        from matrix.notifications.reminders import _candidates
    except ImportError:
        pass
    else:
        queries["renewal reminders of a day"] = _candidates(kind="D30", last_day=date.today() + timedelta(days=30))
    scans = {name: _full_scans(_plan(queryset)) for name, queryset in queries.items()}
    assert {name: found for name, found in scans.items() if found} == {}
