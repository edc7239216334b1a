"""Counter payments: an officer records a payment taken at a branch for a Submitted contribution. It goes through
the same approval path as FPX: the contribution is paid from that moment, a receipt number from the same
sequence, Payment Method "Counter - <branch>" on the receipt; the amount must equal the amount due; an audit row."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from matrix.backoffice.models import AuditEvent
from matrix.backoffice.services.counter import counter_payment_record
from matrix.contributions.models import Contribution
from matrix.payments.models import Payment, Refund
from matrix.payments.receipts import receipt_pdf
from matrix.payments.services.counter import CounterRefused
from matrix.reference.models import Branch
from tests.backoffice.conftest import staff_client
from tests.factories import contribution_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch():
    return Branch.objects.get(name="Pejabat PERKESO Kuala Lumpur")


def test_an_officer_records_a_counter_payment(officer, branch):
    contribution = contribution_make()
    client = staff_client(officer)
    found = client.get(reverse("backoffice:counter_search"),
                       {"q": contribution.registration.person.self_employed_code})
    assert list(found.context["rows"]) == [contribution]
    response = client.post(reverse("backoffice:counter_record", args=[contribution.pk]), {
        "amount": str(contribution.amount), "counter_method": "CASH", "branch": branch.pk, "reference": "SLIP-001",
    })
    assert response.status_code == 302
    payment = Payment.objects.get(contribution=contribution)
    assert payment.method == Payment.Method.COUNTER and payment.status == Payment.Status.PAID
    assert payment.branch == branch and payment.counter_method == "CASH" and payment.recorded_by == officer.user
    assert payment.receipt_no and len(payment.receipt_no) == 14 and not payment.refund_due
    assert payment.method_label == "Counter - Pejabat PERKESO Kuala Lumpur"
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.PAID and contribution.start_at == payment.paid_at
    event = AuditEvent.objects.get(action="payment.counter.record")
    assert event.actor == officer.user and event.target_id == str(payment.pk)
    assert event.details["receipt_no"] == payment.receipt_no and event.details["outcome"] == "paid"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt_pdf(payment=payment))).pages)
    assert "Counter - Pejabat PERKESO Kuala Lumpur" in text and "SLIP-001" in text


def test_counter_receipts_share_the_fpx_sequence(officer, branch):
    first, second = contribution_make(), contribution_make()
    numbers = [counter_payment_record(contribution_id=c.pk, amount=c.amount, counter_method="CARD", branch=branch,
                                      reference="r", staff_user=officer.user).receipt_no for c in (first, second)]
    assert int(numbers[1]) == int(numbers[0]) + 1


def test_the_amount_must_equal_the_amount_due(officer, branch):
    contribution = contribution_make()
    response = staff_client(officer).post(reverse("backoffice:counter_record", args=[contribution.pk]), {
        "amount": str(contribution.amount - Decimal("0.01")), "counter_method": "CASH", "branch": branch.pk,
        "reference": "x",
    })
    assert response.status_code == 400 and b"amount due" in response.content
    with pytest.raises(CounterRefused):
        counter_payment_record(contribution_id=contribution.pk, amount=contribution.amount + 1,
                               counter_method="CASH", branch=branch, reference="x", staff_user=officer.user)
    assert not Payment.objects.exists() and not AuditEvent.objects.filter(action="payment.counter.record").exists()


def test_only_a_submitted_contribution_is_taken(officer, branch):
    contribution = contribution_make()
    counter_payment_record(contribution_id=contribution.pk, amount=contribution.amount, counter_method="CHEQUE",
                           branch=branch, reference="1", staff_user=officer.user)
    with pytest.raises(CounterRefused):
        counter_payment_record(contribution_id=contribution.pk, amount=contribution.amount, counter_method="CASH",
                               branch=branch, reference="2", staff_user=officer.user)
    assert Payment.objects.filter(contribution=contribution).count() == 1
    assert not Refund.objects.exists()
    page = staff_client(officer).get(reverse("backoffice:counter_record", args=[contribution.pk]))
    assert b"not awaiting payment" in page.content
