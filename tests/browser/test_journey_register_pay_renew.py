"""The whole journey of issue 4 with issue 5's payments: register a sector, pay it at the (simulated) bank,
renew it, pay again, and see both rows in Contribution History with the right dates."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from matrix.core.kltime import kl, kl_format
from matrix.fpx_simulator import services as simulator
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in
from tests.browser.flows import next_part, pay_at_the_bank
from tests.factories import user_make
from tests.registrations.helpers import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def person_page(page, portal_server, settings):
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    simulator.simulator_reset()
    user = user_make(id_number="900101145671", full_name="TESTING BIN TESTER", email="testing@tester.example",
                     mobile="601113388378")
    page_sign_in(page, user)
    yield page, user
    assert simulator.direct_ac_deliveries_join(timeout=30)


def register_information_technology(page) -> None:
    page.goto(page.base_url + "/self-employed/")
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Sector").select_option(label="INFORMATION TECHNOLOGY")
    page.get_by_role("button", name="Submit").click()
    page.get_by_label("Status Self-Employed Person").select_option(label="Others")
    page.get_by_label("Nationality").select_option(label="Malaysian")
    page.get_by_label("Race").select_option(label="Malay")
    next_part(page)
    page.get_by_label("Address Line 1").fill("No. 61 1st Floor")
    page.get_by_label("State").select_option(label="Kelantan")
    page.get_by_label("City").select_option(label="Kuala Krai")
    page.get_by_label("Post Code").fill("18000")
    page.get_by_label("House Phone Number").fill("03-9765 4321")
    page.get_by_label("Preferred PERKESO Branch For Services").select_option(label="Pejabat PERKESO Kota Bharu")
    next_part(page)
    page.get_by_label("Class").select_option(label="Mobile Application")
    page.locator("#id_identification_card").set_input_files(
        files=[{"name": "mykad.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.locator("#id_sector_document").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    next_part(page)
    page.get_by_label("RM 232.80 ANNUALLY").check()
    page.get_by_label("Contribution Months").select_option("4")
    next_part(page)
    page.get_by_label("I hereby certify to the best of my knowledge and belief").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Submit & Pay").click()
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()


def history_row(page, contribution: Contribution):
    return page.locator(f"tr[data-contribution='{contribution.pk}'] td")


def test_register_pay_renew_pay_and_see_both_rows(person_page):
    page, user = person_page

    register_information_technology(page)
    first = Contribution.objects.get(registration__person__user=user)
    pay_at_the_bank(page, first, button="Approve")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    first.refresh_from_db()
    first_payment = Payment.objects.get(contribution=first)
    assert first.state == Contribution.State.PAID
    assert first.start_at == first_payment.paid_at  # cover starts at the moment of payment (FPX approval)
    assert first.end_at == coverage_end(start=first.start_at, months=4)

    page.goto(page.base_url + "/self-employed/contributions/")
    cells = history_row(page, first)
    expect(cells.nth(0)).to_have_text(kl_format(first.start_at))
    expect(cells.nth(1)).to_have_text(kl_format(first.end_at))
    expect(cells.nth(6)).to_have_text("Active")
    expect(cells.nth(7)).to_contain_text("Paid")

    # Renew Now on the paid row: the plan stays locked, 4 more months from the day after the cover ends.
    page.get_by_role("link", name="Renew Now").click()
    expect(page.get_by_label("RM 232.80 ANNUALLY")).to_be_checked()
    page.get_by_label("Contribution Months").select_option("4")
    page.get_by_role("button", name="Next").click()
    expected_start = kl(first.end_at).replace(hour=0, minute=0, second=0) + timedelta(days=1)
    expected_end = coverage_end(start=expected_start, months=4)
    expect(page.locator("[data-renewal-period]")).to_have_text(
        f"{kl_format(expected_start)} - {kl_format(expected_end)}")
    page.get_by_role("button", name="Renew & Pay").click()

    renewal = Contribution.objects.get(registration__person__user=user, kind=Contribution.Kind.RENEWAL)
    pay_at_the_bank(page, renewal, button="Approve")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    renewal.refresh_from_db()
    assert (renewal.start_at, renewal.end_at) == (expected_start, expected_end)

    page.goto(page.base_url + "/self-employed/contributions/")
    expect(page.locator("tr[data-contribution]")).to_have_count(2)
    first_cells, renewal_cells = history_row(page, first), history_row(page, renewal)
    expect(first_cells.nth(0)).to_have_text(kl_format(first.start_at))
    expect(first_cells.nth(1)).to_have_text(kl_format(first.end_at))
    expect(renewal_cells.nth(0)).to_have_text(kl_format(expected_start))
    expect(renewal_cells.nth(0)).to_contain_text("00:00:00")
    expect(renewal_cells.nth(1)).to_have_text(kl_format(expected_end))
    expect(renewal_cells.nth(1)).to_contain_text("23:59:59")
    expect(renewal_cells.nth(6)).to_have_text("Renewed")
    expect(renewal_cells.nth(7)).to_contain_text("Paid")
    # Newest first: the renewal's row comes before the registration's.
    ids = page.locator("tr[data-contribution]").evaluate_all("rows => rows.map(r => r.dataset.contribution)")
    assert ids == [str(renewal.pk), str(first.pk)]
    assert Payment.objects.filter(contribution__registration__person__user=user, status="PAID").count() == 2
