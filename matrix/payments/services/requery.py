"""Ask FPX (AE) how a pending payment ended, and settle it with the answer."""

from urllib.parse import urlencode

from django.db import transaction
from django.utils import timezone

from matrix.payments.fpx import client, config
from matrix.payments.fpx.messages import ae_build
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.order import order_for
from matrix.payments.services.settle import SettleResult, payment_settle_body

Channel = FpxMessage.Channel


def payment_requery(*, payment: Payment) -> SettleResult:
    """Ask FPX (AE) how a pending payment ended and settle it with the answer. The enquiry is logged in its own
    transaction before it leaves; no transaction is held open during the HTTP call. Raises GatewayError when
    FPX cannot be reached."""
    payment = Payment.objects.select_related("contribution__registration__person__user").get(pk=payment.pk)
    now = timezone.now()
    fields = ae_build(seller=config.seller(), order=order_for(payment), private_key=config.private_key())
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(last_enquiry_at=now)
        FpxMessage.objects.create(payment=payment, channel=Channel.AE, seller_ex_order_no=payment.seller_ex_order_no,
                                  body=urlencode(fields), outcome="sent", received_at=now)
    answer = client.enquiry_send(fields)
    return payment_settle_body(raw_body=answer, channel=Channel.AE_REPLY)
