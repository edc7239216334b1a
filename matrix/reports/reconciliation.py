"""Reconciliation: FPX's daily settlement file against our Paid FPX payments of that day.

The settlement file is CSV, UTF-8, with a header row naming these columns (any order; other columns ignored):

    fpx_txn_id          FPX Transaction ID, 16 digits (YYMMDDhhmmss + 4-digit sequence)
    seller_order_no     our order number, as sent in the AR
    seller_ex_order_no  our exchange order number (the key we match on; settlement's idempotency key)
    amount              ringgit with at most 2 decimal places, e.g. 77.60
    txn_time            FPX's approval time, Kuala Lumpur time: 2026-12-01 14:05:09 or 20261201140509
    bank_code           the buyer's bank (FPX bank code, e.g. MB2U0227)
    status              the debit authorisation code: the file lists settled credits only, so it must be 00

Each line is matched by seller_ex_order_no to one of our payments: a Paid one with the same amount is Matched, with
another amount an Amount mismatch; no Paid payment is Bank only (linked to our attempt when we know the order, e.g.
a payment still Pending or closed as Failed). Our Paid FPX payments of the day (paid_at, Kuala Lumpur date) that no
line names are Ours only. A malformed file is refused as a whole with every problem found, and nothing is stored."""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from matrix.backoffice.audit import audit_record
from matrix.core.kltime import KL, kl_start_of_day
from matrix.payments.models import Payment
from matrix.reports.models import ReconciliationLine, ReconciliationRun

COLUMNS = ("fpx_txn_id", "seller_order_no", "seller_ex_order_no", "amount", "txn_time", "bank_code", "status")
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ERRORS_SHOWN = 20
SETTLED = "00"
Kind = ReconciliationLine.Kind


class SettlementFileError(ValueError):
    """The file cannot be reconciled; `problems` says why, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SettlementLine:
    line: int
    fpx_txn_id: str
    seller_order_no: str
    seller_ex_order_no: str
    amount: Decimal
    txn_time: datetime
    bank_code: str


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or value <= 0 or value.as_tuple().exponent < -2:
        return None
    return value.quantize(Decimal("0.01"))


def _time(text: str) -> datetime | None:
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=KL)
        except ValueError:
            continue
    return None


def _check_line(number: int, row: dict[str, str], seen: set[str]) -> tuple[SettlementLine | None, list[str]]:
    values = {name: (row.get(name) or "").strip() for name in COLUMNS}
    problems = []
    amount, moment = _amount(values["amount"]), _time(values["txn_time"])
    if not values["seller_ex_order_no"]:
        problems.append(_("Line %(line)s: seller_ex_order_no is empty.") % {"line": number})
    elif values["seller_ex_order_no"] in seen:
        problems.append(_("Line %(line)s: seller_ex_order_no %(order)s appears twice.")
                        % {"line": number, "order": values["seller_ex_order_no"]})
    if not (values["fpx_txn_id"].isdigit() and len(values["fpx_txn_id"]) == 16):
        problems.append(_("Line %(line)s: fpx_txn_id must be 16 digits.") % {"line": number})
    if amount is None:
        problems.append(_("Line %(line)s: amount must be a positive amount in ringgit with at most 2 decimal "
                          "places, e.g. 77.60.") % {"line": number})
    if moment is None:
        problems.append(_("Line %(line)s: txn_time must look like 2026-12-01 14:05:09.") % {"line": number})
    if values["status"] != SETTLED:
        problems.append(_("Line %(line)s: status must be 00 (the file lists settled transactions only).")
                        % {"line": number})
    seen.add(values["seller_ex_order_no"])
    if problems:
        return None, problems
    return SettlementLine(number, values["fpx_txn_id"], values["seller_order_no"], values["seller_ex_order_no"],
                          amount, moment, values["bank_code"]), []


def settlement_file_parse(*, content: bytes) -> list[SettlementLine]:
    """The file's lines, or SettlementFileError naming every problem (the first MAX_ERRORS_SHOWN)."""
    if len(content) > MAX_FILE_BYTES:
        raise SettlementFileError([_("The file is larger than 5 MB.")])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettlementFileError([_("The file is not a UTF-8 CSV file.")]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise SettlementFileError([_("The header row must name the columns %(columns)s; missing: %(missing)s.")
                                   % {"columns": ", ".join(COLUMNS), "missing": ", ".join(missing)}])
    reader.fieldnames = header
    lines, problems, seen = [], [], set()
    try:
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            line, found = _check_line(reader.line_num, row, seen)
            problems.extend(found)
            if line is not None:
                lines.append(line)
    except csv.Error as exc:
        problems.append(_("Line %(line)s: %(error)s") % {"line": reader.line_num, "error": exc})
    if problems:
        raise SettlementFileError(problems[:MAX_ERRORS_SHOWN])
    if not lines:
        raise SettlementFileError([_("The file holds no transactions.")])
    return lines


def fpx_payments_paid_on(day: date):
    """Our Paid FPX payments (those with an FPX Transaction ID) whose moment of payment is on `day` in KL time."""
    start = kl_start_of_day(day)
    return Payment.objects.filter(status=Payment.Status.PAID, method=Payment.Method.FPX, paid_at__gte=start,
                                  paid_at__lt=start + timedelta(days=1)).exclude(fpx_txn_id="")


def _classify(lines: list[SettlementLine], day: date) -> list[ReconciliationLine]:
    known = {p.seller_ex_order_no: p for p in Payment.objects.filter(
        seller_ex_order_no__in=[line.seller_ex_order_no for line in lines])}
    result = []
    for line in lines:
        payment = known.get(line.seller_ex_order_no)
        paid = payment is not None and payment.status == Payment.Status.PAID
        kind = Kind.BANK_ONLY if not paid else (Kind.MATCHED if payment.amount == line.amount
                                                else Kind.AMOUNT_MISMATCH)
        result.append(ReconciliationLine(
            kind=kind, payment=payment, seller_ex_order_no=line.seller_ex_order_no, fpx_txn_id=line.fpx_txn_id,
            bank_code=line.bank_code, txn_time=line.txn_time, bank_amount=line.amount,
            our_amount=payment.amount if paid else None, file_line=line.line))
    named = set(known)
    for payment in fpx_payments_paid_on(day).order_by("paid_at", "pk"):
        if payment.seller_ex_order_no not in named:
            result.append(ReconciliationLine(
                kind=Kind.OURS_ONLY, payment=payment, seller_ex_order_no=payment.seller_ex_order_no,
                fpx_txn_id=payment.fpx_txn_id, bank_code=payment.buyer_bank_id, txn_time=payment.fpx_txn_time,
                our_amount=payment.amount))
    return result


def reconciliation_run(*, request, actor, settlement_date: date, file_name: str, content: bytes) -> ReconciliationRun:
    """Parse, match and keep the result (one transaction, audited). Raises SettlementFileError: nothing stored."""
    lines = settlement_file_parse(content=content)
    with transaction.atomic():
        found = _classify(lines, settlement_date)
        count = {kind: sum(1 for line in found if line.kind == kind) for kind in Kind.values}
        run = ReconciliationRun.objects.create(
            settlement_date=settlement_date, file_name=file_name[:200],
            file_sha256=hashlib.sha256(content).hexdigest(), uploaded_by=actor,
            matched_count=count[Kind.MATCHED], mismatch_count=count[Kind.AMOUNT_MISMATCH],
            ours_only_count=count[Kind.OURS_ONLY], bank_only_count=count[Kind.BANK_ONLY],
            bank_total=sum((line.bank_amount for line in found if line.bank_amount is not None), Decimal("0.00")),
            ours_total=sum((line.our_amount for line in found if line.our_amount is not None), Decimal("0.00")),
        )
        for line in found:
            line.run = run
        ReconciliationLine.objects.bulk_create(found)
        audit_record(request=request, actor=actor, action="reconciliation.run", target=run, details={
            "settlement_date": settlement_date.isoformat(), "file_name": run.file_name,
            "file_sha256": run.file_sha256, "counts": {kind: n for kind, n in count.items()},
            "bank_total": str(run.bank_total), "ours_total": str(run.ours_total)})
    return run
