"""The review queue: Verified (an Officer), Reject (a Supervisor) with a reason. Each decision leaves its review row
and audit row; a rejection turns the registration's contributions Rejected with the reason (a paid one also owes
a Refund, Due), tells the person by SMS and email, and the person's contribution page says Rejected."""

import pytest
from django.test import Client
from django.urls import reverse

from matrix.backoffice.models import AuditEvent, RegistrationReview, RejectReason
from matrix.backoffice.services.review import ReviewRefused, registration_reject, registration_verify
from matrix.contributions.models import Contribution, ContributionStatus
from matrix.notifications.models import Message
from matrix.payments.models import Payment, Refund
from tests.backoffice.conftest import staff_client
from tests.factories import contribution_make, registration_make

pytestmark = pytest.mark.django_db


def _paid(contribution):
    """A contribution paid by a counter payment (the same approval path as FPX)."""
    from matrix.payments.services.counter import payment_counter_record
    from matrix.reference.models import Branch

    return payment_counter_record(contribution_id=contribution.pk, amount=contribution.amount,
                                  counter_method="CASH", branch=Branch.objects.first(), reference="slip 1",
                                  recorded_by=None).payment


def test_the_queue_lists_undecided_registrations_by_sector(officer):
    it = registration_make(sector="information-technology")
    food = registration_make(sector="food")
    client = staff_client(officer)
    page = client.get(reverse("backoffice:review_queue"))
    assert page.status_code == 200
    assert list(page.context["rows"]) == [it, food]
    only_food = client.get(reverse("backoffice:review_queue"), {"sector": food.sector_id})
    assert list(only_food.context["rows"]) == [food]


def test_an_officer_marks_a_registration_verified(officer):
    registration = registration_make()
    contribution_make(registration=registration)
    response = staff_client(officer).post(reverse("backoffice:review_verify", args=[registration.pk]))
    assert response.status_code == 302
    review = RegistrationReview.objects.get(registration=registration)
    assert review.decision == RegistrationReview.Decision.VERIFIED and review.decided_by == officer.user
    event = AuditEvent.objects.get(action="registration.verify")
    assert event.actor == officer.user and event.target_id == str(registration.pk)
    assert staff_client(officer).get(reverse("backoffice:review_queue")).context["rows"] == []


def test_a_registration_is_decided_once(officer, supervisor):
    registration = registration_make()
    registration_verify(registration_id=registration.pk, staff_user=officer.user)
    with pytest.raises(ReviewRefused):
        registration_reject(registration_id=registration.pk, reason=RejectReason.DOCUMENTS, note="",
                            staff_user=supervisor.user)
    assert RegistrationReview.objects.count() == 1
    assert AuditEvent.objects.filter(action="registration.reject").count() == 0


def test_a_supervisor_rejects_an_unpaid_registration_and_the_person_is_told(supervisor):
    registration = registration_make()
    contribution = contribution_make(registration=registration)
    response = staff_client(supervisor).post(reverse("backoffice:review_reject", args=[registration.pk]),
                                             {"reason": RejectReason.DOCUMENTS, "note": "The IC copy is blurred."})
    assert response.status_code == 302
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.REJECTED
    assert contribution.status == ContributionStatus.REJECTED
    assert "Documents missing or unreadable" in contribution.rejected_reason
    assert "The IC copy is blurred." in contribution.rejected_reason
    assert contribution.rejected_at is not None
    assert not Refund.objects.exists()
    kinds = sorted(Message.objects.filter(kind="registration_rejected").values_list("channel", flat=True))
    assert kinds == ["EMAIL", "SMS"]
    event = AuditEvent.objects.get(action="registration.reject")
    assert event.actor == supervisor.user and event.details["reason"] == "DOCUMENTS"
    # The person sees Rejected with the reason on the contribution's page.
    person_client = Client()
    person_client.force_login(registration.person.user)
    page = person_client.get(reverse("contributions:detail", args=[contribution.pk])).content.decode()
    assert "Rejected" in page and "The IC copy is blurred." in page


def test_rejecting_a_paid_registration_owes_a_refund(supervisor):
    registration = registration_make()
    contribution = contribution_make(registration=registration)
    payment = _paid(contribution)
    registration_reject(registration_id=registration.pk, reason=RejectReason.NOT_ELIGIBLE, note="",
                        staff_user=supervisor.user)
    contribution.refresh_from_db()
    payment.refresh_from_db()
    assert contribution.state == Contribution.State.REJECTED
    assert payment.status == Payment.Status.PAID and payment.refund_due
    refund = Refund.objects.get(payment=payment)
    assert refund.state == Refund.State.DUE and refund.reason == Refund.Reason.REJECTED
    assert refund.amount == payment.amount
    assert AuditEvent.objects.get(action="registration.reject").details["refunds"] == [refund.pk]


def test_reject_needs_a_reason_and_other_needs_words(supervisor):
    registration = registration_make()
    client = staff_client(supervisor)
    url = reverse("backoffice:review_reject", args=[registration.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": RejectReason.OTHER, "note": " "}).status_code == 400
    assert not RegistrationReview.objects.exists()


def test_an_officer_sees_no_reject_form(officer):
    registration = registration_make()
    page = staff_client(officer).get(reverse("backoffice:review_detail", args=[registration.pk]))
    assert page.status_code == 200 and b"Reject registration" not in page.content
