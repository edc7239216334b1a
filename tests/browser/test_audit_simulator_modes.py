"""Audit (issue 5): each way the simulator can deliver the direct AC (delay, duplicate, reorder, drop) is settled
correctly end to end against the real portal: the person pays in the browser, the simulator posts its direct AC
to our direct URL over HTTP, and in every mode there is exactly one Paid payment, one receipt number, one receipt
email and one coverage period. A dropped direct AC whose indirect AC never comes back either (the browser went
away) is settled later by the AE re-query task.

Which AC reaches the portal first is decided by conditions, never by the simulator's delays: for "the direct AC
comes late" the simulator holds it back (`direct_ac_hold`) until the person has seen Paid from the indirect AC."""

import pytest
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from matrix.fpx_simulator import services as simulator
from matrix.notifications.models import OutboxMessage
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.tasks import payments_requery_pending
from tests.browser.conftest import page_sign_in
from tests.browser.flows import pay_at_the_bank
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db(transaction=True)

Channel = FpxMessage.Channel


@pytest.fixture
def payer(page, portal_server, settings):
    page.base_url = portal_server
    settings.PORTAL_BASE_URL = portal_server
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    settings.FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS = 0.1
    simulator.simulator_reset()
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)
    yield contribution
    simulator.direct_ac_release()
    assert simulator.direct_ac_deliveries_join(timeout=60)
    simulator.simulator_reset()


def _settled_once(contribution: Contribution) -> Payment:
    payment = Payment.objects.get(contribution=contribution)
    assert payment.status == Payment.Status.PAID and payment.receipt_no and not payment.refund_due
    assert Payment.objects.exclude(receipt_no=None).count() == 1
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.PAID
    assert contribution.start_at == payment.paid_at  # the moment of payment (FPX's approval time, bounded)
    assert contribution.end_at == coverage_end(start=contribution.start_at, months=contribution.months)
    receipts = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, subject__contains=payment.receipt_no)
    assert receipts.count() == 1
    return payment


def _ac_log(payment: Payment) -> list[tuple[str, bool]]:
    return list(FpxMessage.objects.filter(payment=payment, channel__in=[Channel.AC_DIRECT, Channel.AC_INDIRECT])
                .order_by("pk").values_list("channel", "signature_valid"))


@pytest.mark.parametrize(("mode", "options", "directs"), [
    ("delay", {"delay": 1.0}, 1),
    ("duplicate", {"copies": 3}, 3),
    ("reorder", {"delay": 0.5}, 1),
])
def test_each_direct_ac_mode_settles_exactly_once(page, payer, mode, options, directs):
    simulator.simulator_configure(mode=mode, **options)
    late = mode in ("delay", "reorder")  # the direct AC comes after the browser's indirect AC
    if late:
        simulator.direct_ac_hold()
    pay_at_the_bank(page, payer, button="Approve", join_direct_ac=not late)
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    if late:
        # Paid by the browser's indirect AC alone: the direct AC is still held back at the simulator.
        payment = _settled_once(payer)
        assert _ac_log(payment) == [(Channel.AC_INDIRECT, True)]
        settled = (payment.settled_at, payment.paid_at, payment.receipt_no)
        simulator.direct_ac_release()
        assert simulator.direct_ac_deliveries_join(timeout=60)
    payment = _settled_once(payer)

    log = _ac_log(payment)
    assert [row for row in log if row[0] == Channel.AC_DIRECT] == [(Channel.AC_DIRECT, True)] * directs
    assert (Channel.AC_INDIRECT, True) in log
    if late:
        # The direct AC, arriving after the indirect one, was logged and changed nothing.
        assert log == [(Channel.AC_INDIRECT, True), (Channel.AC_DIRECT, True)]
        assert (payment.settled_at, payment.paid_at, payment.receipt_no) == settled
    assert payment.status == Payment.Status.PAID


def test_dropped_direct_ac_and_lost_browser_are_settled_by_the_requery(page, payer, settings):
    simulator.simulator_configure(mode="drop")
    lost = []

    def browser_goes_away(route):
        lost.append(route.request.url)
        route.abort()

    page.route("**/payments/fpx/indirect/", browser_goes_away)
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    page.get_by_label("I acknowledge that I have read and agree to the above Terms and Conditions").check()
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Select Bank").select_option(label="Affin Bank")
    page.get_by_role("button", name="Pay with FPX").click()
    page.get_by_label("Username").fill("siti90")
    page.get_by_label("Password").fill("anything goes")
    page.get_by_role("button", name="Log In").click()
    with page.expect_event("requestfailed", predicate=lambda request: request.url.endswith("/payments/fpx/indirect/")):
        page.get_by_role("button", name="Approve", exact=True).click()
    assert lost, "the answer page never tried to post the indirect AC"
    assert simulator.direct_ac_deliveries_join(timeout=60)

    payment = Payment.objects.get(contribution=payer)
    assert payment.status == Payment.Status.PENDING  # neither AC reached us
    assert not FpxMessage.objects.filter(payment=payment, channel__in=[Channel.AC_DIRECT, Channel.AC_INDIRECT])

    settings.FPX_REQUERY_AFTER_SECONDS = 0
    # Called in this thread, not .delay().get(): Celery's eager "no join inside a task" flag is process-wide and the
    # live server's thread may be running an eager task at that moment.
    assert payments_requery_pending()["settled"] == 1
    payment = _settled_once(payer)
    assert payment.debit_auth_code == "00"
    # Asking again changes nothing.
    payments_requery_pending()
    assert _settled_once(payer).receipt_no == payment.receipt_no

    page.unroute("**/payments/fpx/indirect/")
    page.goto(f"{page.base_url}/payments/{payment.pk}/")
    expect(page.get_by_test_id("payment-status")).to_have_text("Paid")
    expect(page.get_by_role("link", name="Download Receipt")).to_be_visible()
