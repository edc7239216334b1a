"""Contribution History reads a page in a fixed number of queries (issue 13): the same for 1 row as for a full
page of 20 out of 30, and each row shows what the table needs (payment status, receipt, Renew Now)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import history_page
from matrix.payments.models import Payment
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db

URL = "/self-employed/contributions/"


def _paid_periods(person, count: int, sector: str = "information-technology"):
    registration = registration_make(person=person, sector=sector)
    moment = timezone.now() - timedelta(days=31 * count + 5)
    made = []
    for index in range(count):
        kind = Contribution.Kind.REGISTRATION if index == 0 else Contribution.Kind.RENEWAL
        contribution = contribution_make(registration=registration, kind=kind, months=1, created_at=moment,
                                         state=Contribution.State.PAID, start_at=moment,
                                         end_at=moment + timedelta(days=30), paid_at=moment)
        payment_make(contribution=contribution, at=moment)
        made.append(contribution)
        moment += timedelta(days=31)
    return made


def _queries(client) -> int:
    client.get(URL)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_the_page_costs_the_same_queries_for_one_row_and_a_full_page(client):
    small, large = person_make(), person_make()
    _paid_periods(small, 1)
    _paid_periods(large, 15)
    _paid_periods(large, 15, sector="hawker")
    client.force_login(small.user)
    one = _queries(client)
    client.force_login(large.user)
    many = _queries(client)
    assert one == many <= 8


def test_rows_show_payment_status_receipt_and_renew_now(user):
    person = person_make(user=user)
    periods = _paid_periods(person, 2)
    other = registration_make(person=person, sector="hawker")
    unpaid = contribution_make(registration=other, created_at=timezone.now())
    payment_make(contribution=unpaid, at=timezone.now() - timedelta(hours=4), status=Payment.Status.FAILED)
    Payment.objects.filter(contribution=unpaid).update(status=Payment.Status.NEEDS_ATTENTION,
                                                       attention_reason="late")
    with CaptureQueriesContext(connection) as captured:
        page, lines = history_page(user=user, page_number=1, per_page=20)
    assert len(captured) == 1  # the page's rows, with the total as a window count
    by_pk = {line.pk: line for line in lines}
    newest, oldest = by_pk[periods[-1].pk], by_pk[periods[0].pk]
    assert newest.payment_status == "PAID" and newest.receipt_url.endswith("/receipt.pdf")
    assert newest.renew_url and not oldest.renew_url  # Renew Now only on the sector's newest paid period
    waiting = by_pk[unpaid.pk]
    assert (waiting.status, waiting.payment_status, waiting.receipt_url) == ("SUBMITTED", "FAILED", "")
    assert waiting.detail_url == f"/self-employed/contributions/{unpaid.pk}/"
