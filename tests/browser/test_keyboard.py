"""Keyboard only: sign-up, registration and payment are completed with Tab, typing, Space, the arrow keys and
Enter; no mouse click anywhere (file uploads excepted: a file chooser is the operating system's dialog, so the
test hands the files to the focused input). Focus is always visible (the MYDS ring)."""

import re

import pytest
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.fpx_simulator import services as simulator
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in
from tests.factories import contribution_make, person_make, registration_make, user_make
from tests.registrations.helpers import pdf_bytes, png_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

MAX_TABS = 120


def tab_to(page, locator) -> None:
    """Press Tab until `locator` has the focus, and check the focus ring shows."""
    handle = locator.element_handle()
    for _ in range(MAX_TABS):
        if handle.evaluate("e => e === document.activeElement"):
            outline = handle.evaluate("e => getComputedStyle(e).outlineStyle")
            assert outline != "none", "no visible focus"
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {locator}")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.type(text)


def choose(page, select, label: str) -> None:
    """Move through a select's options with the arrow keys until `label` is chosen."""
    tab_to(page, select)
    for _ in range(300):
        if select.evaluate("e => e.selectedIndex >= 0 && e.options[e.selectedIndex].text.trim()") == label:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{label} is not an option")


def choose_radio(page, radio) -> None:
    """Tab into the radio group (focus lands on its checked radio), then arrow keys to `radio`."""
    name = radio.get_attribute("name")
    for _ in range(MAX_TABS):
        if page.evaluate("name => document.activeElement && document.activeElement.name === name", name):
            break
        page.keyboard.press("Tab")
    for _ in range(10):
        if radio.is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError("the radio was never chosen")


def press_button(page, button) -> None:
    tab_to(page, button)
    page.keyboard.press("Enter")


def tick(page, checkbox) -> None:
    tab_to(page, checkbox)
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()


def test_sign_up_by_keyboard(page, settings):
    settings.PORTAL_BASE_URL = page.base_url
    page.goto(page.base_url + "/accounts/signup/")
    choose(page, page.locator("#id_id_type"), "MyKad (New IC)")
    type_into(page, page.get_by_label("IC Number (e.g. 790811087654)"), "790811-08-7654")
    type_into(page, page.get_by_label("Full Name As In Identity Card Number"), "AHMAD BIN ALI")
    type_into(page, page.get_by_label("Email (e.g. ahmad@gmail.com)"), "ahmad@gmail.com")
    type_into(page, page.get_by_label("Mobile Number (e.g. 60108877665)"), "60108877665")
    tick(page, page.get_by_label("I have read and agree to the Terms and Conditions"))
    type_into(page, page.get_by_label("Type the text"), "PASSED")
    press_button(page, page.get_by_role("button", name="Next", exact=True))

    expect(page.get_by_role("heading", name="Sign Up - OTP Verification")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", page_outbox(page)).group(1)
    type_into(page, page.get_by_label("OTP Number"), code)
    press_button(page, page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", name="Sign Up Successful")).to_be_visible()
    expect(page.get_by_test_id("step-of")).to_have_text("Step 3 of 4")


def page_outbox(page) -> str:
    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    text = outbox.locator('li[data-channel="SMS"] .message-body').first.inner_text()
    outbox.close()
    return text


def test_register_by_keyboard(page):
    page_sign_in(page, user_make(id_number="900101145671", full_name="TESTING BIN TESTER",
                                 email="testing@tester.example", mobile="601113388378"))
    page.goto(page.base_url + "/self-employed/register/")
    choose(page, page.get_by_label("Sector"), "INFORMATION TECHNOLOGY")
    press_button(page, page.get_by_role("button", name="Submit"))

    expect(page.get_by_role("heading", name="REGISTRATION & CONTRIBUTION")).to_be_visible()
    choose(page, page.get_by_label("Status Self-Employed Person"), "Others")
    choose(page, page.get_by_label("Nationality"), "Malaysian")
    choose(page, page.get_by_label("Race"), "Malay")
    press_button(page, page.locator("[data-form-part]:not(.part-hidden) [data-part-next]"))
    type_into(page, page.get_by_label("Address Line 1"), "No. 61 1st Floor")
    choose(page, page.get_by_label("State"), "Kelantan")
    choose(page, page.get_by_label("City"), "Kuala Krai")
    type_into(page, page.get_by_label("Post Code"), "18000")
    type_into(page, page.get_by_label("House Phone Number"), "03-9765 4321")
    choose(page, page.get_by_label("Preferred PERKESO Branch For Services"), "Pejabat PERKESO Kota Bharu")
    press_button(page, page.locator("[data-form-part]:not(.part-hidden) [data-part-next]"))
    choose(page, page.get_by_label("Class"), "Mobile Application")
    tab_to(page, page.locator("#id_identification_card"))
    page.locator("#id_identification_card").set_input_files(
        files=[{"name": "mykad.png", "mimeType": "image/png", "buffer": png_bytes()}])
    tab_to(page, page.locator("#id_sector_document"))
    page.locator("#id_sector_document").set_input_files(
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}])
    press_button(page, page.locator("[data-form-part]:not(.part-hidden) [data-part-next]"))
    choose_radio(page, page.get_by_label("RM 232.80 ANNUALLY"))
    choose(page, page.get_by_label("Contribution Months"), "4")
    expect(page.locator("[data-amount-due]")).to_have_text("RM 77.60")
    press_button(page, page.locator("[data-form-part]:not(.part-hidden) [data-part-next]"))
    tick(page, page.get_by_label("I hereby certify to the best of my knowledge and belief"))
    press_button(page, page.get_by_role("button", name="Next", exact=True))

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    press_button(page, page.get_by_role("button", name="Submit & Pay"))
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()
    assert Contribution.objects.filter(registration__person__user__id_number="900101145671").count() == 1


def test_pay_by_keyboard(page, portal_server, settings):
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    simulator.simulator_reset()
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)
    page.goto(f"{page.base_url}/payments/contribution/{contribution.pk}/pay/")
    tick(page, page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions"))
    press_button(page, page.get_by_role("button", name="Pay with FPX"))
    expect(page.get_by_role("heading", name="PAY WITH FPX")).to_be_visible()
    choose(page, page.get_by_label("Select Bank"), "Affin Bank")
    press_button(page, page.get_by_role("button", name="Pay with FPX"))

    expect(page.get_by_role("heading", name="Affin Bank (FPX simulator)")).to_be_visible()
    type_into(page, page.get_by_label("Username"), "siti90")
    type_into(page, page.get_by_label("Password"), "anything goes")
    page.keyboard.press("Enter")
    press_button(page, page.get_by_role("button", name="Approve", exact=True))
    expect(page.get_by_role("heading", name="PAYMENT DETAILS")).to_be_visible()
    assert simulator.direct_ac_deliveries_join(timeout=60)
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    assert Payment.objects.get(contribution=contribution).status == Payment.Status.PAID
