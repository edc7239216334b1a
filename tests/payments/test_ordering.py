"""Settlement is order-independent: the direct AC, the indirect AC and the AE answers (09, then 00) arrive one
after the other in each of the 24 orders, and the payment only ever moves forward, is Paid from the first
approval on, gets one receipt number, one receipt email and one coverage period starting at the moment of payment.
Sequential, so it runs on every database; the concurrent versions are in test_concurrency_pg.py."""

import itertools

import pytest

from matrix.contributions.models import Contribution
from matrix.notifications.models import OutboxMessage
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle_body
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db

Channel = FpxMessage.Channel
RANK = {Payment.Status.PENDING: 0, Payment.Status.PAID: 1, Payment.Status.FAILED: 1}
MESSAGE_KINDS = ("direct_00", "indirect_00", "ae_09", "ae_00")


def message_for(kind: str, payment: Payment, key) -> tuple[str, str]:
    """(raw body, channel) of one of MESSAGE_KINDS for `payment`: `<channel>_<debitAuthCode>`."""
    channel_name, code = kind.split("_")
    channel = {"direct": Channel.AC_DIRECT, "indirect": Channel.AC_INDIRECT, "ae": Channel.AE_REPLY}[channel_name]
    return body(ac_fields(payment, key=key, code=code)), channel


def assert_settled_once(payment: Payment) -> Payment:
    """Paid with one receipt number, the contribution paid once, its cover starting at the moment of payment."""
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert payment.status == Payment.Status.PAID and payment.receipt_no and not payment.refund_due
    assert Payment.objects.filter(contribution=contribution, receipt_no__isnull=False).count() == 1
    assert contribution.state == Contribution.State.PAID
    assert payment.paid_at is not None and contribution.start_at == payment.paid_at
    assert Contribution.objects.filter(registration=contribution.registration_id, start_at__isnull=False).count() == 1
    return payment


@pytest.mark.parametrize("order", list(itertools.permutations(MESSAGE_KINDS)), ids="-".join)
def test_direct_indirect_and_enquiry_answers_in_every_order(fpx_key, order, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    seen = []
    for kind in order:
        raw, channel = message_for(kind, payment, fpx_key)
        with django_capture_on_commit_callbacks(execute=True):
            assert payment_settle_body(raw_body=raw, channel=channel).accepted
        seen.append(Payment.objects.get(pk=payment.pk).status)
    assert [RANK[status] for status in seen] == sorted(RANK[status] for status in seen)  # never backwards
    first_approval = next(index for index, kind in enumerate(order) if kind.endswith("00"))
    assert all(status == Payment.Status.PENDING for status in seen[:first_approval])
    assert all(status == Payment.Status.PAID for status in seen[first_approval:])
    payment = assert_settled_once(payment)
    assert FpxMessage.objects.filter(payment=payment, channel__in=list(Channel)).exclude(
        channel=Channel.AR).count() == len(order)
    emails = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL)
    assert [email.subject for email in emails] == [
        f"MATRIX PERKESO: your payment of RM 77.60 is approved, Receipt {payment.receipt_no}"]
