"""What a person does when a payment did not go straight through, in a real browser: a double click with and
without JavaScript still reaches the bank; PAYMENT DETAILS of an attempt FPX never heard of offers "Continue to
your bank", and once its request has expired "Pay Again"; a payment PERKESO is checking says so and lets the
person pay again; a contribution whose rate has changed cannot be paid and leads to View Contribution."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from matrix.core.kltime import kl_now
from matrix.fpx_simulator import services as simulator
from matrix.payments.models import Payment
from matrix.payments.services import payment_start
from matrix.reference.models import Plan
from tests.browser.conftest import page_sign_in
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db(transaction=True)

TERMS = "I acknowledge that I have read and agree to the above Terms and Conditions"


@pytest.fixture
def payer(page, portal_server, settings):
    """A signed-in person with a submitted registration awaiting payment (RM 77.60)."""
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    simulator.simulator_reset()
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)
    yield contribution
    assert simulator.direct_ac_deliveries_join(timeout=30)


@pytest.fixture
def page_without_js(browser, payer, portal_server):
    """The payer's session in a second browser context with JavaScript switched off."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = portal_server
    page_sign_in(page, payer.registration.person.user)
    yield page
    context.close()


def _approve_at_the_bank(page, bank="Affin Bank"):
    expect(page.get_by_role("heading", name=f"{bank} (FPX simulator)")).to_be_visible()
    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    page.get_by_role("button", name="Approve", exact=True).click()


def _started_elsewhere(contribution):
    """A Pending attempt whose AR never reached FPX (the browser dropped the page that would have posted it)."""
    return payment_start(contribution=contribution, user=contribution.registration.person.user,
                         bank_code="ABB0233").payment


def test_double_click_without_javascript_still_reaches_the_bank(page_without_js, payer):
    page = page_without_js
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    page.get_by_label(TERMS).check()
    page.get_by_role("button", name="Pay with FPX").dblclick()
    expect(page.get_by_role("heading", name="PAY WITH FPX")).to_be_visible()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").dblclick()
    # Whichever answer the browser shows, it is the page that posts the AR, never PAYMENT DETAILS.
    expect(page.get_by_role("button", name="Continue to your bank")).to_be_visible()
    assert Payment.objects.filter(contribution=payer).count() == 1
    page.get_by_role("button", name="Continue to your bank").click()
    _approve_at_the_bank(page)
    page.get_by_role("button", name="Return to merchant").click()
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")


def test_the_pay_button_is_disabled_once_clicked(page, payer):
    """Progressive enhancement (submit_once.js): once the bank form is submitted its button is disabled and a
    second submit sends nothing. The form posts into a frame here, so that the page stays to be looked at (the
    frame shows nothing: our pages refuse to be framed)."""
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST"
            and request.url.endswith(f"/payments/contribution/{payer.pk}/bank/") else None)
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    page.get_by_label(TERMS).check()
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.evaluate("""() => {
        const frame = document.createElement("iframe");
        frame.name = "sink";
        document.body.appendChild(frame);
        document.querySelector("form[data-submit-once]").target = "sink";
    }""")
    button = page.get_by_role("button", name="Pay with FPX")
    with page.expect_response(lambda response: response.request.method == "POST"
                              and response.url.endswith(f"/payments/contribution/{payer.pk}/bank/")) as answer:
        button.click()
        expect(button).to_be_disabled()
        page.evaluate("document.querySelector('form[data-submit-once]').requestSubmit()")  # submitting again
    assert answer.value.status == 200
    assert len(posts) == 1 and Payment.objects.filter(contribution=payer).count() == 1


def test_continue_to_your_bank_from_payment_details(page, payer):
    payment = _started_elsewhere(payer)
    page.goto(f"{page.base_url}/payments/{payment.pk}/")
    expect(page.get_by_test_id("payment-status")).to_have_text("Pending")
    expect(page.get_by_test_id("next-step")).to_contain_text("as far as we know no money has been taken")
    expect(page.get_by_test_id("payment-notice")).to_contain_text(
        "If your bank approved this payment, your cover starts from the time your bank approved it; "
        "we are confirming it with FPX.")
    expect(page.get_by_role("link", name="Pay Again")).to_have_count(0)
    page.get_by_role("button", name="Continue to your bank").click()
    _approve_at_the_bank(page)
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert Payment.objects.filter(contribution=payer).count() == 1


def test_pay_again_once_the_request_has_expired(page, payer, settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    stale = _started_elsewhere(payer)
    Payment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=1801))
    page.goto(f"{page.base_url}/payments/{stale.pk}/")
    expect(page.get_by_test_id("payment-status")).to_have_text("Pending")
    expect(page.get_by_test_id("next-step")).to_contain_text("You may pay again.")
    expect(page.get_by_role("button", name="Continue to your bank")).to_have_count(0)
    page.get_by_role("link", name="Pay Again").click()
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()
    page.get_by_label(TERMS).check()
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").click()
    _approve_at_the_bank(page)
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    statuses = list(Payment.objects.filter(contribution=payer).order_by("created_at").values_list("status", flat=True))
    assert statuses == [Payment.Status.FAILED, Payment.Status.PAID]


def test_a_payment_perkeso_is_checking_lets_the_person_pay_again(page, payer):
    payment = _started_elsewhere(payer)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.NEEDS_ATTENTION,
                                                 attention_reason="pending for 3 days")
    page.goto(f"{page.base_url}/payments/{payment.pk}/")
    expect(page.get_by_test_id("payment-status")).to_have_text("Needs attention")
    expect(page.get_by_test_id("payment-notice")).to_contain_text("PERKESO is checking this payment")
    expect(page.get_by_text("unsuccessful")).to_have_count(0)
    page.get_by_role("link", name="Pay Again").click()
    expect(page.get_by_role("heading", name="PAY NOW")).to_be_visible()


def test_a_contribution_whose_rate_changed_cannot_be_paid(page, payer):
    yesterday = kl_now().date() - datetime.timedelta(days=1)
    Plan.objects.filter(pk=payer.plan_id).update(effective_from=yesterday - datetime.timedelta(days=400),
                                                 effective_to=yesterday)
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    expect(page.get_by_test_id("rate-changed")).to_contain_text(
        "Please cancel this contribution and start again at the current rate.")
    expect(page.get_by_role("button", name="Pay with FPX")).to_have_count(0)
    page.get_by_role("link", name="View Contribution").last.click()
    expect(page.get_by_role("heading", name="VIEW CONTRIBUTION")).to_be_visible()
    expect(page).to_have_url(page.base_url + reverse("contributions:detail", args=[payer.pk]))
    assert not Payment.objects.exists()
