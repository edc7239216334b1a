"""The person's pages read raw SQL (issue 13): the same values as the models give, on SQLite and PostgreSQL
(datetimes, money and booleans converted alike), and on PostgreSQL served by indexes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from matrix.contributions import selectors
from matrix.contributions.models import Contribution
from matrix.contributions.selectors import contribution_for_view, contribution_page, history_page, payment_shown
from matrix.payments.models import Payment
from matrix.registrations.models import Document
from matrix.registrations.selectors import CoverState, sector_covers
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def _person():
    """Two sectors: one with two paid periods (a failed attempt, then a paid one; a refund-due repeat) and an
    unpaid renewal; one whose first period awaits payment. One document."""
    person = person_make()
    now = timezone.now()
    registration = registration_make(person=person, sector="hawker")
    Document.objects.create(registration=registration, kind="OFFER_LETTER", file="documents/x",
                            original_name="offer.pdf", content_type="application/pdf", size=10)
    moment = now - timedelta(days=50)
    for index in range(2):
        kind = Contribution.Kind.REGISTRATION if index == 0 else Contribution.Kind.RENEWAL
        contribution = contribution_make(registration=registration, kind=kind, months=1, created_at=moment,
                                         state=Contribution.State.PAID, start_at=moment,
                                         end_at=moment + timedelta(days=30), paid_at=moment)
        payment_make(contribution=contribution, at=moment - timedelta(minutes=5), status=Payment.Status.FAILED)
        payment_make(contribution=contribution, at=moment)
        if index == 1:
            payment_make(contribution=contribution, at=moment + timedelta(minutes=1), refund_due=True)
        moment += timedelta(days=31)
    contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, created_at=now)
    other = registration_make(person=person, sector="fishery")
    waiting = contribution_make(registration=other, created_at=now - timedelta(hours=1))
    payment_make(contribution=waiting, at=now - timedelta(hours=1), status=Payment.Status.PENDING)
    return person


def test_history_lines_match_the_models():
    person = _person()
    now = timezone.now()
    page, lines = history_page(user=person.user, page_number=1, per_page=20, now=now)
    models = {row.contribution.pk: row for row in selectors.history_rows(
        user=person.user, contributions=selectors.contribution_history(user=person.user), now=now)}
    assert page.paginator.count == len(models) == len(lines) == 4
    for line in lines:
        row = models[line.pk]
        assert line.status == row.status
        shown = "" if row.payment is None else row.payment.status
        assert line.payment_status == (shown if shown in ("", "PAID", "PENDING") else "FAILED")
        assert bool(line.receipt_url) == (row.paid_payment is not None)
        assert bool(line.renew_url) == row.renew_now
        assert line.start == (selectors.kl_format(row.contribution.start_at) if row.contribution.start_at else "")
        assert line.amount == selectors.money_format(row.contribution.amount)


def test_a_page_past_the_end_is_the_last_page():
    person = _person()
    page, lines = history_page(user=person.user, page_number=9, per_page=3)
    assert (page.number, page.paginator.num_pages, len(lines)) == (2, 2, 1)


def test_view_contribution_values_match_the_models():
    person = _person()
    now = timezone.now()
    for contribution in Contribution.objects.filter(registration__person=person):
        page = contribution_page(user=person.user, pk=contribution.pk, now=now)
        model = contribution_for_view(user=person.user, pk=contribution.pk)
        got = page.contribution
        assert (got.state, got.kind, got.months, got.amount, got.start_at, got.end_at, got.paid_at) == (
            model.state, model.kind, model.months, model.amount, model.start_at, model.end_at, model.paid_at)
        assert got.status == model.status_at(now)
        assert got.plan.annual_contribution == model.plan.annual_contribution
        assert page.registration.sector.name == model.registration.sector.name
        assert page.registration.sector_class.name == model.registration.sector_class.name
        assert page.registration.particulars == model.registration.particulars
        payments = list(model.payments.all())
        assert [(p.pk, p.status, p.refund_due, p.created_at, p.settled_at, p.fpx_txn_id, p.bank.name)
                for p in page.payments] == [
            (p.pk, p.status, p.refund_due, p.created_at, p.settled_at, p.fpx_txn_id, p.bank.name) for p in payments]
        shown = payment_shown(page.payments)
        assert (shown.pk if shown else None) == (payment_shown(payments).pk if payments else None)
        assert [(d.pk, d.original_name, d.uploaded_at, str(d.get_kind_display)) for d in page.documents] == [
            (d.pk, d.original_name, d.uploaded_at, d.get_kind_display())
            for d in model.registration.documents.order_by("uploaded_at", "pk")]


def test_another_person_cannot_read_a_contribution():
    from django.http import Http404

    person, stranger = _person(), person_make()
    contribution = Contribution.objects.filter(registration__person=person).first()
    with pytest.raises(Http404):
        contribution_page(user=stranger.user, pk=contribution.pk)


def test_sector_covers_from_one_query():
    person = _person()
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        covers = {cover.registration.sector.code: cover for cover in sector_covers(user=person.user)}
    assert len(captured) == 1
    hawker, fishery = covers["hawker"], covers["fishery"]
    paid_end = max(c.end_at for c in Contribution.objects.filter(registration__person=person, state="PAID"))
    assert (hawker.state, hawker.covered_until) == (CoverState.ACTIVE, paid_end)
    assert hawker.unpaid.pk == Contribution.objects.get(
        registration__sector__code="hawker", registration__person=person, state="AWAITING_PAYMENT").pk
    assert hawker.first.state == "PAID" and hawker.days_left >= 0
    assert (fishery.state, fishery.covered_until, fishery.days_left) == (CoverState.AWAITING_PAYMENT, None, None)
    assert fishery.unpaid.pk == fishery.first.pk


@pytest.mark.postgres
def test_the_raw_queries_use_indexes():
    person = _person()
    contribution = Contribution.objects.filter(registration__person=person).first()
    user = person.user.pk
    statements = [
        (selectors._HISTORY_SQL, {"paid": "PAID", "first": "REGISTRATION", "renewal": "RENEWAL",
                                  "awaiting": "AWAITING_PAYMENT", "user": user, "limit": 20, "offset": 0}),
        (selectors._VIEW_SQL, {"paid": "PAID", "pk": contribution.pk, "user": user}),
        (selectors._VIEW_PAYMENTS_SQL, [contribution.pk]),
        (selectors._VIEW_DOCUMENTS_SQL, [contribution.registration_id]),
    ]
    from matrix.registrations.selectors import _COVERS_SQL

    statements.append((_COVERS_SQL, {"first": "REGISTRATION", "paid": "PAID", "awaiting": "AWAITING_PAYMENT",
                                     "user": user}))
    large = ("contributions_contribution", "payments_payment", "registrations_registration",
             "registrations_selfemployedperson", "registrations_document")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql, params in statements:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert not [table for table in large if f"Seq Scan on {table}" in plan], plan
