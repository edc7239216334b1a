"""Reads of the payment lifecycle: what is due for an enquiry, what needs attention, which refunds are open."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.selectors import payments_needing_attention, payments_requery_due, refunds_open
from matrix.payments.services import payment_settle
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


def _settle(payment, key, **overrides):
    fields = ac_fields(payment, key=key, **overrides)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)


def test_due_for_an_enquiry_never_asked_after_the_first_delay_then_at_next_enquiry_at(settings):
    settings.FPX_REQUERY_AFTER_SECONDS = 900
    now = timezone.now()
    young, old, asked_due, asked_later = (pending_payment_make() for _ in range(4))
    Payment.objects.filter(pk=old.pk).update(created_at=now - timedelta(seconds=900))
    Payment.objects.filter(pk=asked_due.pk).update(created_at=now - timedelta(hours=1), enquiry_count=1,
                                                   next_enquiry_at=now - timedelta(seconds=1))
    Payment.objects.filter(pk=asked_later.pk).update(created_at=now - timedelta(hours=1), enquiry_count=1,
                                                     next_enquiry_at=now + timedelta(seconds=1))
    assert list(payments_requery_due(now=now)) == [old, asked_due]  # never asked first
    assert young.pk not in {payment.pk for payment in payments_requery_due(now=now)}


def test_needing_attention_and_open_refunds(fpx_key):
    stuck, refunded, paid = (pending_payment_make() for _ in range(3))
    _settle(stuck, fpx_key, txnAmount="1.00")
    Contribution.objects.filter(pk=refunded.contribution_id).update(state=Contribution.State.REJECTED)
    _settle(refunded, fpx_key)
    _settle(paid, fpx_key)
    assert list(payments_needing_attention()) == [stuck]
    assert [refund.payment_id for refund in refunds_open()] == [refunded.pk]
    Refund.objects.update(state=Refund.State.PAID, approved_at=timezone.now(), paid_at=timezone.now(),
                          bank_reference="IBG1")
    assert not refunds_open().exists()
