"""Audit (issue 4): behaviours of the history, view and renew pages that no other test pinned down."""

import re

import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.services import RenewalRefused, contribution_mark_paid, contribution_renew
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from matrix.reference.models import Plan
from tests.contributions.helpers import payment_make, table_rows
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def _paid(registration, *, kind="REGISTRATION", months=2, at):
    contribution = contribution_make(registration=registration, kind=kind, months=months, created_at=at)
    contribution_mark_paid(contribution=contribution, paid_at=at)
    payment_make(contribution=contribution, at=at)
    return contribution


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_renew_is_reached_from_the_panel_the_sidebar_and_renew_now(user, user_client, time_machine):
    time_machine.move_to("2020-02-01 10:00:00+08:00")
    person = person_make(user=user)
    agent = registration_make(person=person, sector="agent")
    art = registration_make(person=person, sector="art")
    _paid(agent, at=kl_datetime(2020, 1, 10, 9))
    newest_agent = _paid(agent, kind="RENEWAL", at=kl_datetime(2020, 1, 11, 9))
    _paid(art, at=kl_datetime(2020, 1, 12, 9))
    renew = reverse("contributions:renew")

    home = user_client.get(reverse("registrations:home")).content.decode()
    panel = home.split('aria-labelledby="panel-renew"')[1].split("</section>")[0]
    assert renew in _hrefs(panel)
    for page in (home, user_client.get(reverse("contributions:history")).content.decode()):
        sidebar = page.split('aria-label="Self-employed menu"')[1].split("</nav>")[0]
        assert renew in _hrefs(sidebar)

    # The chooser offers both paid sectors and leads to that sector's renewal.
    chooser = user_client.get(renew).content.decode()
    assert f'<option value="{agent.pk}"' in chooser and f'<option value="{art.pk}"' in chooser
    assert user_client.post(renew, {"registration": art.pk})["Location"] == reverse(
        "contributions:renew_sector", args=[art.pk])

    # Renew Now on a row leads to the renewal of that row's sector, from its newest paid period only.
    history = user_client.get(reverse("contributions:history")).content.decode()
    rows = history.split("<tr ")[2:]
    renew_links = {row.split('data-contribution="')[1].split('"')[0]: [h for h in _hrefs(row) if "/renew/" in h]
                   for row in rows}
    assert renew_links[str(newest_agent.pk)] == [reverse("contributions:renew_sector", args=[agent.pk])]
    assert sum(1 for links in renew_links.values() if links) == 2
    assert user_client.get(reverse("contributions:renew_sector", args=[agent.pk])).status_code == 200


def test_each_paid_row_downloads_its_own_receipt(user, user_client):
    person = person_make(user=user)
    registration = registration_make(person=person, sector="agent")
    first = _paid(registration, at=kl_datetime(2020, 1, 10, 9))
    second = _paid(registration, kind="RENEWAL", at=kl_datetime(2020, 1, 20, 9))
    unpaid = contribution_make(registration=registration_make(person=person, sector="art"),
                               created_at=kl_datetime(2020, 1, 25))
    payment_make(contribution=unpaid, at=kl_datetime(2020, 1, 25, 9), status=Payment.Status.FAILED)

    history = user_client.get(reverse("contributions:history")).content.decode()
    rows = {row.split('data-contribution="')[1].split('"')[0]: row for row in history.split("<tr ")[2:]}
    for contribution in (first, second):
        paid = Payment.objects.get(contribution=contribution, status=Payment.Status.PAID)
        receipt = reverse("payments:receipt", args=[paid.pk])
        assert [h for h in _hrefs(rows[str(contribution.pk)]) if h.endswith("receipt.pdf")] == [receipt]
        response = user_client.get(receipt)
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "receipt.pdf" not in rows[str(unpaid.pk)] and "Download Receipt" not in rows[str(unpaid.pk)]


def test_the_self_employed_code_is_shown_on_every_contribution(user, user_client):
    person = person_make(user=user)
    agent = registration_make(person=person, sector="agent")
    first = _paid(agent, at=kl_datetime(2020, 1, 10, 9))
    renewal = _paid(agent, kind="RENEWAL", at=kl_datetime(2020, 1, 11, 9))
    other_sector = contribution_make(registration=registration_make(person=person, sector="art"))
    code = person.self_employed_code
    assert re.fullmatch(r"[A-Z]\d{10}[A-Z]", code)
    for contribution in (first, renewal, other_sector):
        body = user_client.get(reverse("contributions:detail", args=[contribution.pk])).content.decode()
        assert code in body, contribution
    for payment in Payment.objects.filter(contribution__registration__person=person):
        assert code in user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()


def test_a_rejected_contribution_shows_its_reason_and_blank_dates(user, user_client):
    registration = registration_make(person=person_make(user=user), sector="fishery")
    rejected = contribution_make(registration=registration, state="REJECTED", rejected_at=kl_datetime(2020, 1, 6),
                                 rejected_reason="Documents unreadable", created_at=kl_datetime(2020, 1, 5))
    body = user_client.get(reverse("contributions:detail", args=[rejected.pk])).content.decode()
    assert "Rejected" in body and "Documents unreadable" in body
    assert reverse("payments:pay_now", args=[rejected.pk]) not in body
    row = table_rows(user_client.get(reverse("contributions:history")).content.decode())[1]
    assert row[:2] == ["", ""] and row[6] == "Rejected" and "Renew Now" not in row[8]


@pytest.mark.parametrize("months", [0, 13, "3"])
def test_a_renewal_of_0_or_13_months_is_refused(user, months):
    registration = registration_make(person=person_make(user=user), sector="agent")
    _paid(registration, at=kl_datetime(2020, 1, 10, 9))
    with pytest.raises(RenewalRefused):
        contribution_renew(user=user, registration=registration, plan=Plan.objects.get(number=2), months=months)
    assert not Contribution.objects.filter(kind="RENEWAL").exists()


@pytest.mark.parametrize("months", ["0", "13", "x"])
def test_the_renew_page_refuses_months_outside_1_to_12(user, user_client, months):
    registration = registration_make(person=person_make(user=user), sector="agent")
    _paid(registration, at=kl_datetime(2020, 1, 10, 9))
    url = reverse("contributions:renew_sector", args=[registration.pk])
    plan = Plan.objects.get(number=2).pk
    for step in ("check", "confirm"):
        response = user_client.post(url, {"step": step, "plan": plan, "months": months})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert not Contribution.objects.filter(kind="RENEWAL").exists()
