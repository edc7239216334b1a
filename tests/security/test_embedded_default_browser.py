"""In real Chromium: the simulated bank's page of a payment opens only in the browser that started it. Another
browser (a stranger given the link, or the same person elsewhere) sees the refusal and cannot act; the payer's
own browser goes on and approves."""

import pytest
from playwright.sync_api import expect

from matrix.fpx_simulator import services as simulator
from matrix.payments.models import Payment
from tests.browser.conftest import page, page_sign_in, portal_server  # noqa: F401 (fixtures)
from tests.factories import contribution_make, person_make, registration_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bank_page_opens_only_in_the_browser_that_started_the_payment(browser, page, portal_server,  # noqa: F811
                                                                          settings):
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    simulator.simulator_reset()
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)

    page.goto(f"{page.base_url}/payments/contribution/{contribution.pk}/pay/")
    page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions").check()
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").click()
    expect(page.get_by_role("heading", name="Affin Bank (FPX simulator)")).to_be_visible()
    bank_url = page.url

    stranger = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB")
    try:
        other = stranger.new_page()
        response = other.goto(bank_url)
        assert response.status == 403
        expect(other.get_by_text("This bank page opens only in the browser that started the payment.")).to_be_visible()
        expect(other.get_by_role("button", name="Log In")).to_have_count(0)
        # The simulator's list (which links every bank page) answers the machine itself, as here, but the bank's
        # page still refuses this browser when reached through it.
        other.goto(f"{portal_server}/fpx-simulator/")
        other.get_by_role("link", name=simulator_txn_id(contribution)).click()
        expect(other.get_by_text("This bank page opens only in the browser that started the payment.")).to_be_visible()
    finally:
        stranger.close()

    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("heading", name="PAYMENT DETAILS")).to_be_visible()
    assert simulator.direct_ac_deliveries_join(timeout=60)
    assert Payment.objects.get(contribution=contribution).status == Payment.Status.PAID


def simulator_txn_id(contribution) -> str:
    from matrix.fpx_simulator.models import SimulatedTransaction

    payment = Payment.objects.get(contribution=contribution)
    return SimulatedTransaction.objects.get(seller_ex_order_no=payment.seller_ex_order_no).fpx_txn_id
