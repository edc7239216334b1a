"""Writes on payments, one module per flow: `start` (freeze the order, sign the AR), `settle` (every AC and
AE answer, exactly once), `requery` (ask FPX about a pending payment). Read `settle.payment_settle` first."""

from matrix.payments.receipts import receipt_pdf
from matrix.payments.services.requery import payment_requery, payment_requery_queue_if_due
from matrix.payments.services.settle import (
    SettleResult,
    payment_message_refuse,
    payment_settle,
    payment_settle_body,
)
from matrix.payments.services.start import PaymentStarted, payment_start

__all__ = [
    "payment_requery_queue_if_due",
    "PaymentStarted", "SettleResult", "payment_message_refuse", "payment_requery", "payment_settle",
    "payment_settle_body", "payment_start", "receipt_pdf",
]
