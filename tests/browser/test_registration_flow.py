"""Register a sector through the pages on a phone-sized screen: home -> Register -> SELECT SECTOR -> the form
(with uploads) -> check your answers -> Submit & Pay -> the payment's PAY NOW page."""

import re

import pytest
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from tests.browser.conftest import page_sign_in
from tests.browser.flows import next_part
from tests.factories import user_make
from tests.registrations.helpers import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_a_sector_and_go_to_payment(page):
    user = user_make(id_number="900101145671", full_name="TESTING BIN TESTER", email="testing@tester.example",
                     mobile="601113388378")
    page_sign_in(page, user)
    page.goto(page.base_url + "/self-employed/")
    expect(page.get_by_role("heading", name="REGISTRATION & CONTRIBUTION")).to_be_visible()
    page.get_by_role("link", name="Register", exact=True).click()

    expect(page.get_by_role("heading", name="SELECT SECTOR")).to_be_visible()
    expect(page.get_by_text("from 01 January 2020.")).to_be_visible()
    page.get_by_label("Sector").select_option(label="INFORMATION TECHNOLOGY")
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", name="REGISTRATION & CONTRIBUTION")).to_be_visible()
    expect(page.get_by_label("New IC")).to_have_value("900101145671")
    expect(page.get_by_label("Full Name")).to_have_value("TESTING BIN TESTER")
    expect(page.get_by_label("Gender")).to_be_disabled()
    expect(page.get_by_label("Gender")).to_have_value("M")
    page.get_by_label("Status Self-Employed Person").select_option(label="Others")
    page.get_by_label("Nationality").select_option(label="Malaysian")
    page.get_by_label("Race").select_option(label="Malay")
    expect(page.get_by_text("Part 1 of 5")).to_be_visible()
    next_part(page)
    expect(page.get_by_label("New IC")).to_be_hidden()  # one part at a time on a phone; nothing is lost
    page.get_by_label("Address Line 1").fill("No. 61 1st Floor")
    page.get_by_label("Address Line 2").fill("Jln Tuanku Osman")
    page.get_by_label("State").select_option(label="Kelantan")
    # Only Kelantan's cities are offered once the state is chosen.
    expect(page.locator("#id_city option:not([hidden])")).to_have_count(1 + 4)
    page.get_by_label("City").select_option(label="Kuala Krai")
    page.get_by_label("Post Code").fill("18000")
    page.get_by_label("House Phone Number").fill("03-9765 4321")
    expect(page.get_by_label("Mobile Phone Number")).to_have_value("601113388378")
    expect(page.get_by_label("Email Address")).to_have_value("testing@tester.example")
    page.get_by_label("Preferred PERKESO Branch For Services").select_option(label="Pejabat PERKESO Kota Bharu")
    next_part(page)

    page.get_by_label("Class").select_option(label="Mobile Application")
    expect(page.get_by_text("Maximum 5 MB; PDF, JPEG or PNG").first).to_be_visible()
    page.locator("#id_identification_card").set_input_files(
        files=[{"name": "mykad.png", "mimeType": "image/png", "buffer": png_bytes()}])
    page.locator("#id_sector_document").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    page.locator("#id_other_document").set_input_files(
        files=[{"name": "ssm_certificate1.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}])
    next_part(page)

    expect(page.get_by_text("RM 157.20 ANNUALLY")).to_be_visible()
    page.get_by_label("RM 232.80 ANNUALLY").check()
    page.get_by_label("Contribution Months").select_option("4")
    expect(page.locator("[data-amount-due]")).to_have_text("RM 77.60")
    next_part(page)
    page.get_by_label("I hereby certify to the best of my knowledge and belief").check()
    expect(page.get_by_text("Editing and changes are NOT allowed after submission.")).to_be_visible()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    for text in ("INFORMATION TECHNOLOGY", "Mobile Application", "Kuala Krai", "60397654321", "mykad.png",
                 "certificate.pdf", "ssm_certificate1.jpg", "4 Month(s)", "RM 77.60"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    page.get_by_role("button", name="Submit & Pay").click()

    expect(page).to_have_url(re.compile(r"/payments/contribution/\d+/pay/$"))
    contribution = Contribution.objects.get(registration__person__user=user)
    assert page.url.endswith(f"/payments/contribution/{contribution.pk}/pay/")
    assert contribution.state == "AWAITING_PAYMENT" and str(contribution.amount) == "77.60"
    assert contribution.registration.documents.count() == 3


def test_errors_are_summarised_and_the_page_fits_a_phone(page):
    page_sign_in(page, user_make())
    page.goto(page.base_url + "/self-employed/register/agent/")
    for _ in range(4):
        next_part(page)
    page.get_by_role("button", name="Next").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Select the Identification Card file.")).to_be_visible()
    expect(summary.get_by_role("link", name="Select the Offer Letter file.")).to_be_visible()
    # The part that holds the first field in error is the one shown; a link of the summary opens its part.
    expect(page.get_by_label("Status Self-Employed Person")).to_be_visible()
    summary.get_by_role("link", name="Identification Card: Select the Identification Card file.").click()
    expect(page.locator("#id_identification_card")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
