"""Payments that need a person: the Supervisor's list with the reason and FPX log, Re-query now, and the three
outcomes. Each leaves the expected payment, contribution and refund rows and one audit row."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from matrix.backoffice.models import AuditEvent
from matrix.backoffice.services.attention import (
    AttentionRefused,
    attention_close_failed,
    attention_refund,
    attention_settle_paid,
)
from matrix.contributions.models import Contribution
from matrix.core.kltime import KL
from matrix.payments.fpx import client as fpx_client
from matrix.payments.models import Payment, Refund
from matrix.payments.services.settle import mark_needs_attention
from tests.backoffice.conftest import staff_client
from tests.payments.conftest import _fpx_settings, fpx_key, fpx_keys  # noqa: F401 - FPX test keys
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, pending_payment_make

pytestmark = pytest.mark.django_db
TXN_ID = "2612011230450001"


@pytest.fixture
def stuck():
    payment = aged(pending_payment_make(), 3 * 3600)
    mark_needs_attention(payment, reason="no answer from FPX after 3 hours")
    return payment


def test_the_list_shows_the_reason_and_the_fpx_log(supervisor, stuck):
    page = staff_client(supervisor).get(reverse("backoffice:attention_list"))
    assert page.status_code == 200
    assert list(page.context["payments"]) == [stuck]
    text = page.content.decode()
    assert "no answer from FPX after 3 hours" in text and "Authorisation request" in text
    assert "Re-query now" in text


def test_settle_as_paid_with_fpx_evidence_goes_through_the_approval_path(supervisor, stuck):
    approved = stuck.created_at + timedelta(minutes=2)
    response = staff_client(supervisor).post(reverse("backoffice:attention_settle", args=[stuck.pk]), {
        "fpx_txn_id": TXN_ID, "approved_at": timezone.localtime(approved, KL).strftime("%Y-%m-%dT%H:%M:%S"),
    })
    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.PAID and stuck.receipt_no and not stuck.refund_due
    assert stuck.fpx_txn_id == TXN_ID and stuck.paid_at == approved.replace(microsecond=0)
    contribution = Contribution.objects.get(pk=stuck.contribution_id)
    assert contribution.state == Contribution.State.PAID and contribution.start_at == stuck.paid_at
    event = AuditEvent.objects.get(action="payment.attention.settle_paid")
    assert event.actor == supervisor.user and event.details["outcome"] == "paid"
    assert event.details["reason_was"] == "no answer from FPX after 3 hours"


def test_settle_as_paid_when_the_contribution_is_already_paid_owes_a_refund(supervisor, stuck):
    Contribution.objects.filter(pk=stuck.contribution_id).update(
        state=Contribution.State.PAID, start_at=timezone.now(), end_at=timezone.now() + timedelta(days=30),
        paid_at=timezone.now())
    attention_settle_paid(payment_id=stuck.pk, fpx_txn_id=TXN_ID, approved_at=timezone.now(),
                          staff_user=supervisor.user)
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.PAID and stuck.refund_due
    assert Refund.objects.get(payment=stuck).reason == Refund.Reason.ALREADY_PAID


def test_settle_as_paid_needs_a_16_digit_transaction_id(supervisor, stuck):
    response = staff_client(supervisor).post(reverse("backoffice:attention_settle", args=[stuck.pk]),
                                             {"fpx_txn_id": "123", "approved_at": "2026-12-01T10:00:00"})
    assert response.status_code == 400 and b"16 digits" in response.content
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.NEEDS_ATTENTION
    assert not AuditEvent.objects.filter(action__startswith="payment.attention.settle").exists()


def test_close_as_failed(supervisor, stuck):
    staff_client(supervisor).post(reverse("backoffice:attention_fail", args=[stuck.pk]))
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.FAILED and stuck.receipt_no is None
    assert Contribution.objects.get(pk=stuck.contribution_id).state == Contribution.State.AWAITING_PAYMENT
    assert AuditEvent.objects.get(action="payment.attention.close_failed").target_id == str(stuck.pk)


def test_refund_takes_the_money_back_without_paying_the_contribution(supervisor, stuck):
    staff_client(supervisor).post(reverse("backoffice:attention_refund", args=[stuck.pk]))
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.PAID and stuck.refund_due and stuck.receipt_no
    refund = Refund.objects.get(payment=stuck)
    assert refund.state == Refund.State.DUE and refund.reason == Refund.Reason.STAFF
    assert Contribution.objects.get(pk=stuck.contribution_id).state == Contribution.State.AWAITING_PAYMENT
    assert AuditEvent.objects.filter(action="payment.attention.refund", actor=supervisor.user).count() == 1


def test_a_decided_payment_cannot_be_decided_again(supervisor, stuck):
    attention_close_failed(payment_id=stuck.pk, staff_user=supervisor.user)
    for service in (attention_close_failed, attention_refund):
        with pytest.raises(AttentionRefused):
            service(payment_id=stuck.pk, staff_user=supervisor.user)
    assert AuditEvent.objects.filter(action__startswith="payment.attention").count() == 1


def test_requery_now_settles_with_fpx_answer(supervisor, stuck, monkeypatch, fpx_key):  # noqa: F811
    monkeypatch.setattr(fpx_client, "enquiry_send", lambda fields: body(ac_fields(stuck, key=fpx_key)))
    response = staff_client(supervisor).post(reverse("backoffice:attention_requery", args=[stuck.pk]))
    assert response.status_code == 302
    stuck.refresh_from_db()
    assert stuck.status == Payment.Status.PAID
    event = AuditEvent.objects.get(action="payment.attention.requery")
    assert event.details["outcome"] == "paid"
