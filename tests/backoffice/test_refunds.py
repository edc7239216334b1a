"""Refunds: Due -> Approved (a Supervisor) -> Paid (bank reference and date). Each step leaves its fields and one
audit row; paying tells the person by SMS and email; steps only move forward."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matrix.backoffice.models import AuditEvent
from matrix.backoffice.services.refunds import RefundRefused, refund_approve, refund_mark_paid
from matrix.notifications.models import Message
from matrix.payments.models import Refund
from matrix.payments.services.counter import payment_counter_record
from matrix.reference.models import Branch
from tests.backoffice.conftest import staff_client
from tests.factories import contribution_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def refund():
    """A Due refund: a second counter payment raced in after the contribution was paid (the approval path)."""
    contribution = contribution_make()
    branch = Branch.objects.first()
    first = payment_counter_record(contribution_id=contribution.pk, amount=contribution.amount, counter_method="CASH",
                                   branch=branch, reference="1", recorded_by=None).payment
    from matrix.payments.services.settle import payment_approve

    first.pk = None  # a copy of the attempt, approved again: the contribution cannot take it
    first.seller_order_no = first.seller_ex_order_no = "CTRSECOND"
    first.receipt_no = None
    payment_approve(first, paid_at=timezone.now(), now=timezone.now())
    return Refund.objects.get(payment=first)


def test_a_supervisor_approves_then_marks_paid_and_the_person_is_told(supervisor, refund):
    client = staff_client(supervisor)
    page = client.get(reverse("backoffice:refund_list"), {"state": "DUE"})
    assert list(page.context["refunds"]) == [refund]
    assert client.post(reverse("backoffice:refund_approve", args=[refund.pk])).status_code == 302
    refund.refresh_from_db()
    assert refund.state == Refund.State.APPROVED and refund.approved_by == supervisor.user
    assert refund.approved_at is not None
    today = timezone.localdate()
    response = client.post(reverse("backoffice:refund_paid", args=[refund.pk]),
                           {"bank_reference": "MBB-REF-778899", "paid_on": today.isoformat()})
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.state == Refund.State.PAID and refund.bank_reference == "MBB-REF-778899"
    assert timezone.localtime(refund.paid_at).date() == today
    told = Message.objects.filter(kind="refund_paid")
    assert sorted(told.values_list("channel", flat=True)) == ["EMAIL", "SMS"]
    actions = list(AuditEvent.objects.filter(target_type="payments.refund", target_id=str(refund.pk))
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["refund.approve", "refund.paid"]


def test_steps_only_move_forward(supervisor, refund):
    with pytest.raises(RefundRefused):
        refund_mark_paid(refund_id=refund.pk, bank_reference="X", paid_on=timezone.localdate(),
                         staff_user=supervisor.user)
    refund_approve(refund_id=refund.pk, staff_user=supervisor.user)
    with pytest.raises(RefundRefused):
        refund_approve(refund_id=refund.pk, staff_user=supervisor.user)
    with pytest.raises(RefundRefused):
        refund_mark_paid(refund_id=refund.pk, bank_reference="X",
                         paid_on=timezone.localdate() + datetime.timedelta(days=1), staff_user=supervisor.user)
    refund.refresh_from_db()
    assert refund.state == Refund.State.APPROVED
    assert not Message.objects.filter(kind="refund_paid").exists()


def test_mark_paid_needs_the_bank_reference(supervisor, refund):
    refund_approve(refund_id=refund.pk, staff_user=supervisor.user)
    response = staff_client(supervisor).post(reverse("backoffice:refund_paid", args=[refund.pk]),
                                             {"bank_reference": "", "paid_on": ""})
    assert response.status_code == 400 and b"Enter the bank reference." in response.content
    refund.refresh_from_db()
    assert refund.state == Refund.State.APPROVED


def test_the_person_sees_the_refund_and_the_counter_on_payment_details(supervisor, refund):
    """PAYMENT DETAILS: "Counter - <branch>" as the Payment Method, and the refund's state, then its date and bank
    reference once PERKESO has paid it."""
    from django.test import Client

    owner = refund.payment.contribution.registration.person.user
    person = Client()
    person.force_login(owner)
    url = reverse("payments:detail", args=[refund.payment_id])
    page = person.get(url).content.decode()
    assert f"Counter - {refund.payment.branch.name}" in page
    assert 'data-testid="refund-state">Due<' in page
    refund_approve(refund_id=refund.pk, staff_user=supervisor.user)
    refund_mark_paid(refund_id=refund.pk, bank_reference="MBB-REF-1", paid_on=timezone.localdate(),
                     staff_user=supervisor.user)
    page = person.get(url).content.decode()
    assert 'data-testid="refund-state">Paid' in page and "MBB-REF-1" in page
