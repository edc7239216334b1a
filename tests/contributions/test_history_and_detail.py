import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from matrix.registrations.models import Document
from tests.contributions.helpers import payment_make, table_rows
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db

SECTORS = ["accommodation", "agent", "agriculture", "art", "beauty-healthcare", "construction", "data-processing",
           "fishery", "food", "forestry", "goods-food-transport", "hawker", "household-services",
           "information-technology", "livestock"]


def _history_of(person, count: int):
    """`count` paid registrations, each with a paid payment and a failed attempt, and a document."""
    for index in range(count):
        registration = registration_make(person=person, sector=SECTORS[index])
        Document.objects.create(registration=registration, kind="IDENTIFICATION_CARD", file="documents/x",
                                original_name="ic.png", content_type="image/png", size=10)
        paid_at = kl_datetime(2020, 1, 2 + index, 10, 0, 0)
        contribution = contribution_make(registration=registration, months=2, created_at=paid_at)
        payment_make(contribution=contribution, at=paid_at, status=Payment.Status.FAILED)
        contribution_mark_paid(contribution=contribution, paid_at=paid_at)
        payment_make(contribution=contribution, at=paid_at)
    return person


def _queries(client, url) -> int:
    """Queries of one GET, after a first GET of the same page: the idle-timeout middleware rewrites the session
    only when its recorded activity is old enough, which depends on the clock, so the first request of a session
    is not counted (the tests that compare counts also stop the clock)."""
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_history_page_runs_a_fixed_number_of_queries(user, user_client, other_user, client, time_machine):
    time_machine.move_to("2020-03-01 12:00:00+08:00", tick=False)
    user_client.force_login(user)
    _history_of(person_make(user=user), 1)
    one_row = _queries(user_client, reverse("contributions:history"))
    _history_of(person_make(user=other_user), 15)
    client.force_login(other_user)
    fifteen_rows = _queries(client, reverse("contributions:history"))
    assert len(table_rows(client.get(reverse("contributions:history")).content.decode())) == 16
    assert one_row == fifteen_rows
    assert fifteen_rows <= 10  # session + user (+ idle-timeout session save) + 4 for the page


def test_the_view_page_runs_a_fixed_number_of_queries(user, user_client, time_machine):
    time_machine.move_to("2020-03-01 12:00:00+08:00", tick=False)
    user_client.force_login(user)
    person = _history_of(person_make(user=user), 1)
    contribution = Contribution.objects.get(registration__person=person)
    few = _queries(user_client, reverse("contributions:detail", args=[contribution.pk]))
    # More documents and more payment attempts do not add queries.
    registration = contribution.registration
    for kind in ("PROFESSIONAL_CERTIFICATE", "OTHER"):
        Document.objects.create(registration=registration, kind=kind, file="documents/y", original_name="y.pdf",
                                content_type="application/pdf", size=10)
    for day in range(10, 20):
        payment_make(contribution=contribution, at=kl_datetime(2020, 1, day), status=Payment.Status.FAILED)
    many = _queries(user_client, reverse("contributions:detail", args=[contribution.pk]))
    assert few == many
    assert many <= 9  # session + user (+ idle-timeout session save) + 3 for the page


def test_the_history_shows_every_status_with_its_payment_state(user, user_client, time_machine):
    time_machine.move_to("2020-03-01 12:00:00+08:00")
    person = person_make(user=user)
    # Submitted, with a failed payment attempt.
    submitted = contribution_make(registration=registration_make(person=person, sector="food"),
                                  created_at=kl_datetime(2020, 2, 1))
    payment_make(contribution=submitted, at=kl_datetime(2020, 2, 1, 10), status=Payment.Status.FAILED)
    # Submitted, a payment in progress.
    pending = contribution_make(registration=registration_make(person=person, sector="hawker"),
                                created_at=kl_datetime(2020, 2, 2))
    payment_make(contribution=pending, at=kl_datetime(2020, 2, 2, 10), status=Payment.Status.PENDING)
    # Expired: one month from 02-01-2020.
    expired = contribution_make(registration=registration_make(person=person, sector="art"), months=1,
                                created_at=kl_datetime(2020, 1, 2))
    contribution_mark_paid(contribution=expired, paid_at=kl_datetime(2020, 1, 2, 9))
    payment_make(contribution=expired, at=kl_datetime(2020, 1, 2, 9))
    # Active, then a Renewed period after it; a failed retry after the paid one does not hide Paid.
    active = contribution_make(registration=registration_make(person=person, sector="agent"), months=6,
                               created_at=kl_datetime(2020, 2, 3))
    contribution_mark_paid(contribution=active, paid_at=kl_datetime(2020, 2, 3, 9))
    payment_make(contribution=active, at=kl_datetime(2020, 2, 3, 9))
    renewed = contribution_make(registration=active.registration, kind="RENEWAL", months=1,
                                created_at=kl_datetime(2020, 2, 4))
    contribution_mark_paid(contribution=renewed, paid_at=kl_datetime(2020, 2, 4, 9))
    payment_make(contribution=renewed, at=kl_datetime(2020, 2, 4, 9))
    payment_make(contribution=renewed, at=kl_datetime(2020, 2, 4, 10), status=Payment.Status.FAILED)
    # Rejected by PERKESO.
    rejected = contribution_make(registration=registration_make(person=person, sector="fishery"),
                                 created_at=kl_datetime(2020, 1, 5), state="REJECTED",
                                 rejected_at=kl_datetime(2020, 1, 6), rejected_reason="Documents unreadable")

    rows = {row[2]: row for row in table_rows(user_client.get(reverse("contributions:history")).content.decode())}
    assert rows["FOOD"][6:8] == ["Submitted", "Failed"] and rows["FOOD"][:2] == ["", ""]
    assert rows["HAWKER"][6:8] == ["Submitted", "Pending"]
    assert rows["ART"][6:8] == ["Expired", "Paid"]
    assert rows["FISHERY"][6:8] == ["Rejected", "-"]
    agent = [row for row in table_rows(user_client.get(reverse("contributions:history")).content.decode())
             if row[2] == "AGENT"]
    assert sorted(row[6:8] for row in agent) == [["Active", "Paid"], ["Renewed", "Paid"]]
    assert "Download Receipt" not in rows["FOOD"][8] and "Download Receipt" in rows["ART"][8]
    assert "Renew Now" in rows["ART"][8]

    body = user_client.get(reverse("contributions:history")).content.decode()
    for legend in ("Registration is submitted.", "Coverage period is active.", "Contribution is cancelled.",
                   "Coverage period expired. Please renew.", "Contribution is renewed.",
                   "FPX transaction is in progress. Please retry after 60 minutes.", "FPX transaction is successful.",
                   "FPX transaction is unsuccessful. Please proceed to make another payment.",
                   "RENEW", "REGISTER NEW"):
        assert legend in body
    paid = Payment.objects.get(contribution=expired)
    assert reverse("payments:receipt", args=[paid.pk]) in body
    assert rejected.pk


def test_the_history_is_paginated_newest_first(user, user_client):
    person = person_make(user=user)
    registration = registration_make(person=person, sector="art")
    for day in range(1, 26):
        contribution_make(registration=registration, kind="RENEWAL" if day > 1 else "REGISTRATION",
                          created_at=kl_datetime(2020, 1, day), state="REJECTED")
    first = table_rows(user_client.get(reverse("contributions:history")).content.decode())[1:]
    second_body = user_client.get(reverse("contributions:history") + "?page=2").content.decode()
    assert len(first) == 20 and len(table_rows(second_body)) == 1 + 5
    assert "Page 2 of 2" in second_body
    newest = Contribution.objects.order_by("-created_at").first()
    assert f'data-contribution="{newest.pk}"' in user_client.get(reverse("contributions:history")).content.decode()
    assert user_client.get(reverse("contributions:history") + "?page=99").status_code == 200


def test_the_view_page_shows_the_seed_sections(user, user_client, time_machine):
    time_machine.move_to("2020-01-10 12:00:00+08:00")
    person = person_make(user=user)
    registration = registration_make(person=person, sector="information-technology")
    registration.particulars = {
        "new_ic": user.id_number, "full_name": user.full_name,
        "race": {"id": 1, "en": "Malay", "ms": "Melayu"}, "city": {"id": 2, "en": "Kuala Krai", "ms": "Kuala Krai"},
        "postcode": "81300",
        "branch": {"id": 3, "en": "Pejabat PERKESO Kuala Lumpur", "ms": "Pejabat PERKESO Kuala Lumpur"},
    }
    registration.save(update_fields=["particulars"])
    document = Document.objects.create(registration=registration, kind="PROFESSIONAL_CERTIFICATE",
                                       file="documents/z", original_name="download.png", content_type="image/png",
                                       size=3)
    first = contribution_make(registration=registration, months=1, created_at=kl_datetime(2019, 12, 23, 16))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2019, 12, 23, 16, 15, 39))
    renewal = contribution_make(registration=registration, kind="RENEWAL", months=4,
                                created_at=kl_datetime(2019, 12, 27, 16, 30))
    contribution_mark_paid(contribution=renewal, paid_at=kl_datetime(2019, 12, 27, 16, 35, 8))
    payment = payment_make(contribution=renewal, at=kl_datetime(2019, 12, 27, 16, 35, 8))

    body = user_client.get(reverse("contributions:detail", args=[renewal.pk])).content.decode()
    for text in ("CONTRIBUTION DETAILS", person.self_employed_code, "INFORMATION TECHNOLOGY", "RM 232.80",
                 "4 Month(s)", "RM 77.60", "Renewed", "23-01-2020 00:00:00 - 22-05-2020 23:59:59",
                 "27-12-2019 16:35:08", "SELF-EMPLOYED INFORMATION", "Malay", "Kuala Krai", "81300",
                 "Pejabat PERKESO Kuala Lumpur", "SECTOR INFORMATION", registration.sector_class.name_en,
                 "Professional Certificate", "download.png", "PAYMENT HISTORY", "Portal MATRIX - FPX",
                 payment.fpx_txn_id, "Affin Bank", "Download Receipt"):
        assert text in body, text
    assert reverse("registrations:document_download", args=[document.pk]) in body
    assert reverse("payments:detail", args=[payment.pk]) in body
    assert reverse("payments:receipt", args=[payment.pk]) in body
    assert "Pay Now" not in body
    # Malay shows the snapshot's Malay names.
    user_client.cookies["django_language"] = "ms"
    assert "Melayu" in user_client.get(reverse("contributions:detail", args=[renewal.pk]),
                                       HTTP_ACCEPT_LANGUAGE="ms").content.decode()


def test_pay_now_is_offered_while_awaiting_payment_without_a_pending_payment(user, user_client):
    contribution = contribution_make(registration=registration_make(person=person_make(user=user)))
    url = reverse("contributions:detail", args=[contribution.pk])
    pay_url = reverse("payments:pay_now", args=[contribution.pk])
    body = user_client.get(url).content.decode()
    assert "Pay Now" in body and pay_url in body and "No payment has been made yet." in body
    payment_make(contribution=contribution, at=kl_datetime(2020, 1, 2), status=Payment.Status.FAILED)
    assert pay_url in user_client.get(url).content.decode()
    payment_make(contribution=contribution, at=kl_datetime(2020, 1, 3), status=Payment.Status.PENDING)
    body = user_client.get(url).content.decode()
    assert pay_url not in body and "Pending" in body
