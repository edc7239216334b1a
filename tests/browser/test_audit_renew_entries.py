"""Audit (issue 4): on a phone, a person reaches the renewal of a sector from the home panel, from the sidebar's
menu and from Renew Now on the history row; the plan is locked and the amount due follows the months chosen."""

import pytest
from playwright.sync_api import expect

from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from tests.browser.conftest import page_sign_in
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def renewer(page, time_machine):
    time_machine.move_to("2020-03-01 10:00:00+08:00", tick=True)
    person = person_make()
    registration = registration_make(person=person, sector="agent")
    first = contribution_make(registration=registration, plan_number=2, months=5, created_at=kl_datetime(2020, 1, 10))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9, 30))
    page_sign_in(page, person.user)
    return registration


def _choose_and_check(page, registration) -> None:
    expect(page).to_have_url(f"{page.base_url}/self-employed/contributions/renew/{registration.pk}/")
    expect(page.get_by_label("RM 232.80 ANNUALLY")).to_be_checked()
    expect(page.get_by_label("RM 157.20 ANNUALLY")).to_have_count(0)  # locked within the first year
    page.get_by_label("Contribution Months").select_option("5")
    expect(page.locator("[data-amount-due]")).to_have_text("RM 97.00")
    page.get_by_label("Contribution Months").select_option("2")
    expect(page.locator("[data-amount-due]")).to_have_text("RM 38.80")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("[data-renewal-period]")).to_have_text("10-06-2020 00:00:00 - 09-08-2020 23:59:59")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_renew_from_the_panel_the_sidebar_and_renew_now(page, renewer):
    # The home page's CONTRIBUTION RENEWAL panel.
    page.goto(page.base_url + "/self-employed/")
    page.get_by_role("region", name="CONTRIBUTION RENEWAL").get_by_role("link", name="Renew").click()
    page.get_by_label("Sector", exact=True).select_option(label="AGENT")
    page.get_by_role("button", name="Next").click()
    _choose_and_check(page, renewer)

    # The sidebar, folded into the Menu on a phone.
    page.goto(page.base_url + "/self-employed/contributions/")
    menu = page.get_by_role("navigation", name="Self-employed menu")
    menu.get_by_text("Menu").click()
    menu.get_by_role("link", name="Renew", exact=True).first.click()
    expect(page.get_by_role("heading", name="CONTRIBUTION RENEWAL")).to_be_visible()
    page.get_by_label("Sector", exact=True).select_option(label="AGENT")
    page.get_by_role("button", name="Next").click()
    _choose_and_check(page, renewer)

    # Renew Now on the paid row of Contribution History.
    page.goto(page.base_url + "/self-employed/contributions/")
    page.get_by_role("link", name="Renew Now").click()
    _choose_and_check(page, renewer)
