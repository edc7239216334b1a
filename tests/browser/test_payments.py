"""Paying a registration through the FPX simulator in a real browser: PAY NOW -> PAY WITH FPX -> the bank ->
PAYMENT DETAILS -> Download Receipt; Insufficient Funds; Cancel then pay again; Leave Pending settled later by
the re-query task."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from matrix.fpx_simulator import services as simulator
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.tasks import payments_requery_pending
from tests.browser.conftest import page_sign_in
from tests.browser.flows import detail_value, pay_at_the_bank
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def payer(page, portal_server, settings):
    """A signed-in person with a submitted registration awaiting payment (plan RM 232.80, 4 months)."""
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server  # our BE/AE reach the simulator on the same server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""  # its ACs come back to the server that got the AR
    simulator.simulator_reset()
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)
    yield contribution
    assert simulator.direct_ac_deliveries_join(timeout=30)


def test_pay_with_approve_and_download_the_receipt(page, payer, tmp_path):
    pay_at_the_bank(page, payer, button="Approve")
    payment = Payment.objects.get(contribution=payer)
    assert payment.status == Payment.Status.PAID
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    expect(detail_value(page, "Receipt No.")).to_have_text(payment.receipt_no)
    expect(detail_value(page, "FPX Transaction ID")).to_have_text(re.compile(r"^\d{16}$"))
    expect(detail_value(page, "Payment Method")).to_have_text("Portal MATRIX - FPX")
    expect(detail_value(page, "Contribution Plan")).to_have_text("RM 232.80")
    expect(detail_value(page, "Number of Contribution Months")).to_have_text("4 Month(s)")
    expect(detail_value(page, "Bank")).to_have_text("Affin Bank")
    expect(detail_value(page, "Contribution Amount")).to_have_text("RM 77.60")
    expect(detail_value(page, "Sector")).to_have_text("INFORMATION TECHNOLOGY")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Receipt").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{payment.receipt_no}.pdf"
    path = tmp_path / "receipt.pdf"
    download.save_as(path)
    text = "".join(p.extract_text() for p in PdfReader(Path(path)).pages)
    assert payment.receipt_no in text and "RM 77.60" in text

    # The direct AC arrived too (host to host, after the bank's page): a duplicate, answered OK.
    direct = FpxMessage.objects.filter(payment=payment, channel=FpxMessage.Channel.AC_DIRECT)
    assert direct.exists() and all(row.signature_valid for row in direct)
    payer.refresh_from_db()
    assert payer.state == payer.State.PAID and payer.start_at == payment.paid_at


def test_insufficient_funds(page, payer):
    pay_at_the_bank(page, payer, button="Insufficient Funds")
    expect(page.get_by_test_id("payment-status")).to_have_text("Failed")
    expect(page.get_by_test_id("payment-notice")).to_contain_text("Insufficient Funds")
    expect(page.get_by_text("Please proceed to make another payment.")).to_be_visible()
    expect(page.get_by_role("link", name="Download Receipt")).to_have_count(0)
    assert Payment.objects.get(contribution=payer).debit_auth_code == "51"


def test_cancel_then_pay_again(page, payer):
    pay_at_the_bank(page, payer, button="Cancel")
    expect(page.get_by_test_id("payment-status")).to_have_text("Failed")
    expect(page.get_by_test_id("payment-notice")).to_contain_text("Cancelled By Customer")
    page.get_by_role("link", name="Pay Again").click()
    pay_at_the_bank(page, payer, button="Approve", bank="Maybank2U")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    statuses = list(Payment.objects.filter(contribution=payer).order_by("created_at").values_list("status", flat=True))
    assert statuses == [Payment.Status.FAILED, Payment.Status.PAID]


def test_leave_pending_then_settled_by_the_requery_task(page, payer, settings):
    pay_at_the_bank(page, payer, button="Leave Pending")
    expect(page.get_by_test_id("payment-status")).to_have_text("Pending")
    expect(page.get_by_text("FPX transaction is in progress. Please retry after 60 minutes.")).to_be_visible()
    # What is known, in plain words: the bank has not decided, money may have been taken, do not pay twice.
    expect(page.get_by_test_id("next-step")).to_contain_text("money may have been taken from your account")
    expect(page.get_by_test_id("payment-notice")).to_contain_text("we are confirming it with FPX")
    expect(page.get_by_role("link", name="Pay Again")).to_have_count(0)
    expect(page.get_by_role("button", name="Continue to your bank")).to_have_count(0)
    payment = Payment.objects.get(contribution=payer)
    assert payment.status == Payment.Status.PENDING

    # No second payment while the first is in progress: PAY NOW leads back to it.
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    expect(page.get_by_role("heading", name="PAYMENT DETAILS")).to_be_visible()

    # Later the bank approves; FPX only tells us when we ask (AE): the periodic re-query does.
    simulator.simulated_transaction_settle(code="00", seller_ex_order_no=payment.seller_ex_order_no)
    settings.FPX_REQUERY_AFTER_SECONDS = 0
    # Run in this thread, as beat's worker would; not .delay().get(): Celery's eager "no join inside a task" flag
    # is process-wide and the live server's thread may be running an eager task at that moment.
    counts = payments_requery_pending()
    assert counts["settled"] == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.receipt_no

    page.reload()
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    expect(page.get_by_role("link", name="Download Receipt")).to_be_visible()


def test_double_click_on_pay_with_fpx_still_reaches_the_bank(page, payer):
    """Two quick clicks post the bank form twice: the second must not strand the person on a Pending payment
    whose AR was never posted to FPX (the browser shows only the second answer). It did, about 2 runs in 5:
    the second POST found the first attempt Pending (and the terms' acknowledgement used up) and was sent to
    PAYMENT DETAILS. Now a repeated start gets the same AR (test_pay_resume.py has the run without JavaScript,
    where the browser does post twice), and submit_once.js keeps the second click from posting at all."""
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions").check()
    page.get_by_role("button", name="Pay with FPX").dblclick()
    expect(page.get_by_role("heading", name="PAY WITH FPX")).to_be_visible()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").dblclick()
    expect(page.get_by_role("heading", name="Affin Bank (FPX simulator)")).to_be_visible()
    assert Payment.objects.filter(contribution=payer).count() == 1
    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
