"""The order as FPX sees it, rebuilt from a stored Payment row (shared by start, settle and re-query)."""

from matrix.payments.fpx.messages import Order
from matrix.payments.models import Payment


def order_for(payment: Payment) -> Order:
    person = payment.contribution.registration.person
    user = person.user
    return Order(
        seller_ex_order_no=payment.seller_ex_order_no,
        seller_order_no=payment.seller_order_no,
        seller_txn_time=payment.seller_txn_time,
        amount=payment.amount,
        buyer_email=person.email or user.email,
        buyer_name=user.full_name,
        buyer_bank_id=payment.buyer_bank_id,
    )
