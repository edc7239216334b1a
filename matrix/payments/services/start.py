"""Start an FPX payment: freeze the order in a Pending Payment row and sign the AR the browser posts to FPX."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrix.contributions.models import Contribution
from matrix.payments.fpx import config
from matrix.payments.fpx.exceptions import UnableToTakePayment
from matrix.payments.fpx.messages import amount_format, ar_build, time_format
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.order import order_for
from matrix.reference.models import Bank

Channel = FpxMessage.Channel


@dataclass(frozen=True)
class PaymentStarted:
    """A new Pending payment and the signed AR the browser must post to FPX."""

    payment: Payment
    url: str
    fields: dict[str, str]


def _order_numbers(*, contribution: Contribution, moment: datetime) -> tuple[str, str]:
    """(seller exchange order no, seller order no): new for every attempt, at most 40 characters."""
    stamp = time_format(moment)
    token = secrets.token_hex(3).upper()
    return f"{stamp}{token}", f"SKSPS{contribution.pk}T{stamp}{token}"


@transaction.atomic
def payment_start(*, contribution: Contribution, user, bank_code: str) -> PaymentStarted:
    """Open a Pending payment for a contribution awaiting payment, and sign the AR for it.

    The order (numbers, amount, bank) is frozen in the Payment row while the person is away at the bank; the
    database allows only one Pending payment per contribution, so a double submit starts nothing twice."""
    contribution = (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("registration__person__user")
        .get(pk=contribution.pk, registration__person__user=user)
    )
    if contribution.state == Contribution.State.PAID or contribution.payments.filter(
        status=Payment.Status.PAID, refund_due=False
    ).exists():
        raise UnableToTakePayment(_("This contribution is already paid."))
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        raise UnableToTakePayment(_("This contribution cannot be paid."))
    if contribution.payments.filter(status=Payment.Status.PENDING).exists():
        raise UnableToTakePayment(_("FPX transaction is in progress. Please retry after 60 minutes."))
    bank_code = (bank_code or "").strip()
    if not bank_code or len(bank_code) > 10 or not bank_code.isalnum():
        raise UnableToTakePayment(_("Select a bank."))
    try:
        amount_format(contribution.amount)
    except ValueError as exc:
        raise UnableToTakePayment(_("This amount cannot be paid by FPX.")) from exc

    now = timezone.now()
    ex_order_no, order_no = _order_numbers(contribution=contribution, moment=now)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                contribution=contribution,
                seller_ex_order_no=ex_order_no,
                seller_order_no=order_no,
                seller_txn_time=time_format(now),
                amount=contribution.amount,
                bank=Bank.objects.filter(code=bank_code).first(),
                buyer_bank_id=bank_code,
                created_at=now,
            )
    except IntegrityError as exc:  # a concurrent start won the one-pending-payment constraint
        raise UnableToTakePayment(_("FPX transaction is in progress. Please retry after 60 minutes.")) from exc
    payment.contribution = contribution
    fields = ar_build(seller=config.seller(), order=order_for(payment), private_key=config.private_key())
    FpxMessage.objects.create(
        payment=payment, channel=Channel.AR, seller_ex_order_no=ex_order_no, body=urlencode(fields),
        outcome="sent to the browser", received_at=now,
    )
    return PaymentStarted(payment=payment, url=config.ar_url(), fields=fields)
