"""A person cancels an unpaid registration from View Contribution (issue 8, defect 9): Cancel, a confirmation
page, Yes; the history then says Cancelled and the sector is offered for registration again. A renewal whose
payment is Pending cannot be cancelled, and the page says why."""

import re

import pytest
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancel_an_unpaid_registration_from_view_contribution(page, time_machine):
    time_machine.move_to("2020-03-01 10:00:00+08:00", tick=True)
    person = person_make()
    unpaid = contribution_make(registration=registration_make(person=person, sector="agent"),
                               created_at=kl_datetime(2020, 3, 1, 9))
    page_sign_in(page, person.user)

    page.goto(page.base_url + "/self-employed/contributions/")
    row = page.locator(f"tr[data-contribution='{unpaid.pk}']")
    expect(row.locator("[data-contribution-status]")).to_have_text("Submitted")
    row.get_by_role("link", name="View").click()
    expect(page.get_by_role("heading", name="VIEW CONTRIBUTION")).to_be_visible()
    page.get_by_role("link", name="Cancel", exact=True).click()

    expect(page.get_by_role("heading", name="Cancel this registration?")).to_be_visible()
    # Back changes nothing.
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="VIEW CONTRIBUTION")).to_be_visible()
    page.get_by_role("link", name="Cancel", exact=True).click()
    page.get_by_role("button", name="Yes, cancel it").click()

    expect(page.get_by_role("status")).to_contain_text(
        "The registration is cancelled. You may register this sector again.")
    expect(page.locator("[data-contribution-status]")).to_have_text(re.compile(r"^\s*Cancelled"))
    expect(page.get_by_role("link", name="Cancel", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Pay Now")).to_have_count(0)
    assert Contribution.objects.get(pk=unpaid.pk).state == "CANCELLED"

    page.goto(page.base_url + "/self-employed/contributions/")
    expect(row.locator("[data-contribution-status]")).to_have_text("Cancelled")
    page.goto(page.base_url + "/self-employed/register/")
    expect(page.get_by_role("option", name="AGENT", exact=True)).to_be_enabled()


def test_a_renewal_with_a_pending_payment_cannot_be_cancelled(page, time_machine):
    time_machine.move_to("2020-03-01 10:00:00+08:00", tick=True)
    person = person_make()
    registration = registration_make(person=person, sector="agent")
    first = contribution_make(registration=registration, months=5, created_at=kl_datetime(2020, 1, 10))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9, 30))
    renewal = contribution_make(registration=registration, kind="RENEWAL", months=1,
                                created_at=kl_datetime(2020, 3, 1, 9))
    payment_make(contribution=renewal, at=kl_datetime(2020, 3, 1, 9, 1), status=Payment.Status.PENDING)
    page_sign_in(page, person.user)

    page.goto(page.base_url + f"/self-employed/contributions/{renewal.pk}/")
    page.get_by_role("link", name="Cancel", exact=True).click()
    expect(page.get_by_role("heading", name="Cancel this renewal?")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("cannot be cancelled until the payment is settled")
    expect(page.get_by_role("button", name="Yes, cancel it")).to_have_count(0)
    assert Contribution.objects.get(pk=renewal.pk).state == "AWAITING_PAYMENT"
