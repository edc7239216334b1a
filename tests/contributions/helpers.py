"""Payment rows for contribution tests (the payments app owns their lifecycle; here they are plain rows)."""

import itertools
from datetime import datetime
from html.parser import HTMLParser

from matrix.core.identifiers import receipt_no_next
from matrix.core.kltime import kl
from matrix.payments.models import Payment
from matrix.reference.models import Bank

_order = itertools.count(1)
DEBIT_CODES = {Payment.Status.PAID: "00", Payment.Status.PENDING: "09", Payment.Status.FAILED: "51"}


def payment_make(*, contribution, at: datetime, status: str = Payment.Status.PAID, bank_code: str = "ABB0233",
                 refund_due: bool = False) -> Payment:
    number = next(_order)
    settled = status != Payment.Status.PENDING
    return Payment.objects.create(
        contribution=contribution,
        seller_order_no=f"TST{number:010d}",
        seller_ex_order_no=f"TSTX{number:010d}",
        seller_txn_time=kl(at).strftime("%Y%m%d%H%M%S"),
        amount=contribution.amount,
        bank=Bank.objects.get(code=bank_code),
        status=status,
        debit_auth_code=DEBIT_CODES[status],
        fpx_txn_id=f"{kl(at).strftime('%y%m%d%H%M%S')}{number % 10000:04d}" if settled else "",
        fpx_txn_time=at if settled else None,
        receipt_no=receipt_no_next(year=kl(at).year) if status == Payment.Status.PAID else None,
        refund_due=refund_due,
        created_at=at,
        settled_at=at if settled else None,
    )


class _TableParser(HTMLParser):
    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker
        self.inside = False
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and self.marker in dict(attrs):
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in {"td", "th"}:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False
        elif self.inside and tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data + " ")


def table_rows(html: str, marker: str = "data-contribution-history") -> list[list[str]]:
    """The text of each cell of the table carrying `marker`, header row first."""
    parser = _TableParser(marker)
    parser.feed(html)
    return parser.rows
