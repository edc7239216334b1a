"""Casework in a real browser, on a phone-sized screen: an Officer records a counter payment; a Supervisor rejects
a paid registration and then approves and pays the refund it owes (in English and in Malay)."""

import pytest
from playwright.sync_api import expect

from matrix.backoffice.models import Role
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_now
from matrix.payments.models import Payment, Refund
from matrix.payments.services.counter import payment_counter_record
from matrix.reference.models import Branch
from tests.backoffice.audit_rows import audit_rows_purged  # noqa: F401 - pytest fixture
from tests.backoffice.browser import staff_sign_in
from tests.backoffice.conftest import make_staff
from tests.browser.flows import language_choose
from tests.factories import contribution_make, person_make, reference_data_ensure, registration_make, user_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_rows_purged")]

WORDS = {
    "en": {"queue": "Review queue", "reason": "Reason", "details": "Details for the person",
           "reject": "Reject registration", "rejected": "The registration is rejected",
           "refunds": "Refunds", "approve": "Approve refund", "approved": "Refund approved.",
           "reference": "Bank reference", "date": "Date paid", "mark": "Mark as paid",
           "paid": "Refund marked as paid"},
    "ms": {"queue": "Barisan semakan", "reason": "Sebab", "details": "Butiran untuk pencarum",
           "reject": "Tolak pendaftaran", "rejected": "Pendaftaran ditolak",
           "refunds": "Bayaran balik", "approve": "Luluskan bayaran balik", "approved": "Bayaran balik diluluskan.",
           "reference": "Rujukan bank", "date": "Tarikh dibayar", "mark": "Tandakan dibayar",
           "paid": "Bayaran balik ditandakan dibayar"},
}


def _menu(page, name: str) -> None:
    page.locator("summary", has_text="Menu").click()
    page.get_by_role("link", name=name).click()


def test_an_officer_records_a_counter_payment(page):
    reference_data_ensure()
    officer = make_staff("counter-en", Role.OFFICER)
    person = person_make(user=user_make(full_name="AHMAD BIN YUSOF"))
    contribution = contribution_make(registration=registration_make(person=person))
    staff_sign_in(page, officer)

    _menu(page, "Counter payments")
    page.get_by_label("IC Number or Self-Employed Code").fill(person.self_employed_code)
    page.get_by_role("button", name="Find contributions").click()
    page.get_by_role("link", name="Record payment").click()
    expect(page.get_by_role("heading", name="Record a counter payment")).to_be_visible()
    page.get_by_label("Amount received (RM)").fill(str(contribution.amount))
    page.get_by_label("Cash").check()
    page.get_by_label("Branch").select_option(label="Pejabat PERKESO Kuala Lumpur")
    page.get_by_label("Reference").fill("SLIP-2026-0042")
    page.get_by_role("button", name="Record payment").click()

    expect(page.get_by_text("Payment recorded. Receipt No.")).to_be_visible()
    expect(page.get_by_text("Counter - Pejabat PERKESO Kuala Lumpur")).to_be_visible()
    payment = Payment.objects.get(contribution=contribution)
    assert payment.method == Payment.Method.COUNTER and payment.status == Payment.Status.PAID
    expect(page.get_by_text(payment.receipt_no)).to_be_visible()
    assert Contribution.objects.get(pk=contribution.pk).state == Contribution.State.PAID
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_supervisor_rejects_a_paid_registration_then_approves_and_pays_the_refund(page, language):
    reference_data_ensure()
    supervisor = make_staff(f"sup-{language}", Role.SUPERVISOR)
    person = person_make(user=user_make(full_name="LIM MEI LING"))
    registration = registration_make(person=person)
    contribution = contribution_make(registration=registration)
    payment = payment_counter_record(contribution_id=contribution.pk, amount=contribution.amount,
                                     counter_method="CARD", branch=Branch.objects.first(), reference="card 1",
                                     recorded_by=None).payment
    words = WORDS[language]
    staff_sign_in(page, supervisor)
    if language == "ms":
        language_choose(page, "ms")
        expect(page.locator("html")).to_have_attribute("lang", "ms")

    _menu(page, words["queue"])
    page.get_by_role("link", name="LIM MEI LING").click()
    page.get_by_label(words["reason"]).select_option("NOT_ELIGIBLE")
    page.get_by_label(words["details"]).fill("Employed by a company, not self-employed.")
    page.get_by_role("button", name=words["reject"]).click()
    expect(page.get_by_text(words["rejected"])).to_be_visible()
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.REJECTED
    assert "Employed by a company" in contribution.rejected_reason

    _menu(page, words["refunds"])
    page.get_by_role("button", name=words["approve"]).click()
    expect(page.get_by_text(words["approved"])).to_be_visible()
    page.get_by_label(words["reference"]).fill("CIMB-RF-20261201")
    page.get_by_label(words["date"]).fill(kl_now().date().isoformat())
    page.get_by_role("button", name=words["mark"]).click()
    expect(page.get_by_text(words["paid"])).to_be_visible()
    refund = Refund.objects.get(payment=payment)
    assert refund.state == Refund.State.PAID and refund.bank_reference == "CIMB-RF-20261201"
    assert refund.approved_by == supervisor.user
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
