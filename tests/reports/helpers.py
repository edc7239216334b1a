"""Payments made straight through the ORM for the reconciliation and report tests."""

import itertools
from datetime import datetime
from decimal import Decimal

from matrix.contributions.models import Contribution
from matrix.payments.models import Payment
from matrix.reference.models import Bank
from tests.factories import contribution_make

_serial = itertools.count(1)


def payment_make(*, amount: str, status: str = Payment.Status.PAID, paid_at: datetime | None = None,
                 fpx: bool = True, bank_code: str = "MB2U0227", contribution: Contribution | None = None) -> Payment:
    n = next(_serial)
    contribution = contribution or contribution_make()
    paid = status == Payment.Status.PAID
    return Payment.objects.create(
        contribution=contribution, seller_order_no=f"SO{n:08d}", seller_ex_order_no=f"EX{n:08d}",
        seller_txn_time="20261130100000", amount=Decimal(amount), status=status,
        bank=Bank.objects.filter(code=bank_code).first(), buyer_bank_id=bank_code,
        fpx_txn_id=f"2611301000{n:06d}" if fpx else "", fpx_txn_time=paid_at,
        receipt_no=f"2026{n:010d}" if paid else None, paid_at=paid_at if paid else None,
        settled_at=paid_at, debit_auth_code="00" if paid else "51",
    )


HEADER = "fpx_txn_id,seller_order_no,seller_ex_order_no,amount,txn_time,bank_code,status\n"


def settlement_csv(*rows: tuple) -> bytes:
    return (HEADER + "".join(",".join(str(value) for value in row) + "\n" for row in rows)).encode()


def line_for(payment: Payment, *, amount: str | None = None, status: str = "00") -> tuple:
    return (payment.fpx_txn_id or "2611301000999999", payment.seller_order_no, payment.seller_ex_order_no,
            amount or f"{payment.amount:.2f}", "2026-11-30 10:00:05", payment.buyer_bank_id, status)
