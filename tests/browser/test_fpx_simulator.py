"""The FPX simulator in a real browser: a merchant page posts a signed AR, the buyer signs in at the simulated bank
with any username and password, chooses the outcome, and the answer page carries the signed AC back to the
merchant's indirect URL (the direct AC goes host-to-host)."""

import html
from urllib.parse import parse_qsl

import pytest
from playwright.sync_api import expect

from matrix.fpx_simulator import services
from tests.fpx_simulator.helpers import fpx_banks, signed_ar, simulator_signed, stub_merchant  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fpx_banks")]


def merchant_page(action: str, ar: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{name}" value="{html.escape(value)}">' for name, value in ar.items())
    return (f'<!DOCTYPE html><html lang="en"><title>Merchant</title><form method="post" action="{action}">'
            f'{inputs}<button type="submit">Pay with FPX</button></form></html>')


def sign_in_at_the_bank(page, ar: dict[str, str]) -> None:
    page.set_content(merchant_page(page.base_url + "/fpx-simulator/ar/", ar))
    page.get_by_role("button", name="Pay with FPX").click()
    expect(page.get_by_role("heading", name="Maybank2U (FPX simulator)")).to_be_visible()
    page.get_by_label("Username").fill("ali88")
    page.get_by_label("Password").fill("any password at all")
    page.get_by_role("button", name="Log In").click()
    expect(page.get_by_role("heading", name="Confirm the payment")).to_be_visible()


def test_buyer_approves_and_the_browser_posts_the_signed_indirect_ac(page, stub_merchant):  # noqa: F811
    ar = signed_ar(fpx_txnAmount="77.60")
    sign_in_at_the_bank(page, ar)
    expect(page.get_by_text("RM 77.60")).to_be_visible()
    expect(page.get_by_text(ar["fpx_sellerOrderNo"])).to_be_visible()
    for name in ("Approve", "Insufficient Funds", "Cancel", "Leave Pending"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/payments/fpx/indirect/")) as posted:
        page.get_by_role("button", name="Approve", exact=True).click()

    indirect = dict(parse_qsl(posted.value.post_data, keep_blank_values=True))
    assert posted.value.url == stub_merchant.url + "/payments/fpx/indirect/"
    assert simulator_signed(indirect, "AC")
    assert indirect["fpx_debitAuthCode"] == "00"
    assert indirect["fpx_sellerExOrderNo"] == ar["fpx_sellerExOrderNo"]
    assert indirect["fpx_txnAmount"] == "77.60"
    expect(page.get_by_role("heading", name="Merchant")).to_be_visible()  # the stub merchant's page

    [direct] = stub_merchant.wait_for("/payments/fpx/direct/")
    assert direct.fields == indirect


def test_cancel_returns_to_the_merchant_that_sent_the_ar(page, settings):
    """Without FPX_SIMULATOR_MERCHANT_BASE_URL the ACs go back to the host that received the AR (the live server)."""
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    services.simulator_configure(mode="drop")  # no merchant direct URL to answer here
    ar = signed_ar()
    sign_in_at_the_bank(page, ar)

    # Waits for the portal's answer, not only for the post: the test ends (and its database is flushed) only once
    # the server has handled the AC.
    with page.expect_response(lambda r: r.request.method == "POST" and "/payments/fpx/indirect/" in r.url) as answer:
        page.get_by_role("button", name="Cancel", exact=True).click()

    posted = answer.value.request
    assert posted.url == page.base_url + "/payments/fpx/indirect/"
    indirect = dict(parse_qsl(posted.post_data, keep_blank_values=True))
    assert simulator_signed(indirect, "AC")
    assert indirect["fpx_debitAuthCode"] == "BC"


def test_refused_ar_shows_an_error_page(page):
    ar = signed_ar(fpx_txnAmount="0.50")
    page.set_content(merchant_page(page.base_url + "/fpx-simulator/ar/", ar))
    page.get_by_role("button", name="Pay with FPX").click()
    expect(page.get_by_role("heading", name="Payment request refused")).to_be_visible()
    expect(page.get_by_text("The amount must be between 1.00 and 30000.00")).to_be_visible()
