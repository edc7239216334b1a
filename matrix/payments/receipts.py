"""The e-receipt: a PDF in Bahasa Malaysia and English, built with ReportLab, downloaded from the payment
details page and attached to the "payment approved" email (in the person's language)."""

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from django.core.cache import cache
from django.db import transaction
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from matrix.core.kltime import kl_format
from matrix.core.money import money_format
from matrix.notifications.events import event_send
from matrix.notifications.senders import payment_event
from matrix.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

PAYMENT_METHOD = "Portal MATRIX - FPX"  # FPX's; a counter payment shows "Counter - <branch>" (Payment.method_label)
COUNTER_METHOD_LABEL = {"CASH": "Tunai / Cash", "CARD": "Kad / Card", "CHEQUE": "Cek / Cheque"}


def ic_masked(id_number: str) -> str:
    """`******-**-5678`: only the last four digits show (the date of birth and place of birth are hidden); other
    IDs also keep only their last four characters."""
    number = (id_number or "").replace("-", "").strip()
    if len(number) == 12 and number.isdigit():
        return f"******-**-{number[8:]}"
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


@dataclass(frozen=True)
class ReceiptFacts:
    """Everything a receipt shows, flat: made from a loaded Payment (receipt_facts) or read by one statement
    (payments.selectors.receipt_facts_for_download), the same facts either way, so the same kept PDF."""

    payment_id: int
    status: str
    receipt_no: str | None
    refund_due: bool
    refund_reason: str | None  # the Refund row's reason, when there is one
    amount: Decimal
    fpx_txn_id: str
    bank_name: str | None
    buyer_bank_id: str
    paid_at: datetime | None
    settled_at: datetime | None
    method: str
    branch_name: str | None
    counter_method: str
    counter_reference: str
    start_at: datetime | None
    end_at: datetime | None
    months: int
    monthly_contribution: Decimal
    self_employed_code: str | None
    full_name: str
    id_number: str
    sector_name_en: str
    sector_name_ms: str


def receipt_facts(payment: Payment) -> ReceiptFacts:
    contribution = payment.contribution
    registration = contribution.registration
    person = registration.person
    refund_reason = None
    if payment.refund_due:
        refund = Refund.objects.filter(payment_id=payment.pk).only("reason").first()
        refund_reason = refund.reason if refund is not None else None
    return ReceiptFacts(
        payment_id=payment.pk, status=payment.status, receipt_no=payment.receipt_no, refund_due=payment.refund_due,
        refund_reason=refund_reason, amount=payment.amount, fpx_txn_id=payment.fpx_txn_id,
        bank_name=payment.bank.name if payment.bank_id else None, buyer_bank_id=payment.buyer_bank_id,
        paid_at=payment.paid_at, settled_at=payment.settled_at, method=payment.method,
        branch_name=payment.branch.name if payment.branch_id else None, counter_method=payment.counter_method,
        counter_reference=payment.counter_reference, start_at=contribution.start_at, end_at=contribution.end_at,
        months=contribution.months, monthly_contribution=contribution.monthly_contribution,
        self_employed_code=person.self_employed_code, full_name=person.user.full_name,
        id_number=person.user.id_number, sector_name_en=registration.sector.name_en,
        sector_name_ms=registration.sector.name_ms,
    )


def _method_label(facts: ReceiptFacts) -> str:
    """Payment.method_label, from the facts."""
    if facts.method == Payment.Method.COUNTER:
        return f"Counter - {facts.branch_name if facts.branch_name is not None else '-'}"
    return PAYMENT_METHOD


def _rows(facts: ReceiptFacts) -> list[tuple[str, str]]:
    plan_annual = facts.monthly_contribution * 12
    period = ""
    if facts.start_at and facts.end_at and not facts.refund_due:
        period = f"{kl_format(facts.start_at)} - {kl_format(facts.end_at)}"
    rows = [
        ("No. Resit / Receipt No.", facts.receipt_no or ""),
        ("Kod Pekerja Sendiri / Self-Employed Code", facts.self_employed_code or "-"),
        ("Nama / Name", facts.full_name),
        ("No. Kad Pengenalan / IC No.", ic_masked(facts.id_number)),
        ("Sektor / Sector", f"{facts.sector_name_en} / {facts.sector_name_ms}"),
        ("Pelan Caruman / Contribution Plan", money_format(plan_annual)),
        ("Bilangan Bulan Caruman / Number of Contribution Months", f"{facts.months} Bulan / Month(s)"),
        ("Amaun Caruman / Contribution Amount", money_format(facts.amount)),
        ("Tempoh Perlindungan / Coverage Period", period or "-"),
        ("ID Transaksi FPX / FPX Transaction ID", facts.fpx_txn_id or "-"),
        ("Bank", facts.bank_name if facts.bank_name is not None else (facts.buyer_bank_id or "-")),
        ("Tarikh & Masa Bayaran / Payment Date Time", kl_format(facts.paid_at or facts.settled_at)),
        ("Kaedah Bayaran / Payment Method", _method_label(facts)),
    ]
    if facts.method == Payment.Method.COUNTER:
        rows += [
            ("Cara Bayaran di Kaunter / Paid At The Counter By", COUNTER_METHOD_LABEL.get(facts.counter_method, "-")),
            ("Rujukan / Reference", facts.counter_reference or "-"),
        ]
    return rows


REFUND_NOTE = {
    Refund.Reason.ALREADY_PAID: (
        "BAYARAN BALIK / REFUND DUE: caruman ini telah pun dibayar; bayaran ini akan dikembalikan dan tidak "
        "melanjutkan perlindungan. / This contribution was already paid; this payment will be refunded and "
        "does not extend the cover."),
    Refund.Reason.NOT_PAYABLE: (
        "BAYARAN BALIK / REFUND DUE: caruman ini telah ditolak atau dibatalkan sebelum bayaran diluluskan; bayaran "
        "ini akan dikembalikan dan tidak memberi perlindungan. / This contribution was rejected or cancelled "
        "before the payment was approved; this payment will be refunded and gives no cover."),
    Refund.Reason.REJECTED: (
        "BAYARAN BALIK / REFUND DUE: caruman ini telah ditolak oleh PERKESO; bayaran ini akan dikembalikan. / "
        "This contribution was rejected by PERKESO; this payment will be refunded."),
    Refund.Reason.STAFF: (
        "BAYARAN BALIK / REFUND DUE: PERKESO akan mengembalikan bayaran ini; ia tidak memberi perlindungan. / "
        "PERKESO will return this payment; it gives no cover."),
}

RECEIPT_CACHE_SECONDS = 7 * 24 * 3600
# Bump when the drawing below changes, so that receipts kept in the cache are drawn again.
RECEIPT_LAYOUT = 1


def receipt_pdf(*, payment: Payment | None = None, facts: ReceiptFacts | None = None) -> bytes:
    """The receipt of a Paid payment (a loaded `payment`, or its `facts`) as PDF bytes. A receipt is drawn once
    per content: the PDF is kept in the cache under the payment and a digest of every text it shows, so a second
    download does not draw it again, and anything that changes what it shows (a refund, the person's name, a
    sector's name) is a new key: a kept PDF can never be stale, nor another payment's."""
    facts = facts if facts is not None else receipt_facts(payment)
    if facts.status != Payment.Status.PAID or not facts.receipt_no:
        raise ValueError("only a paid payment has a receipt")
    rows = _rows(facts)
    # A refund-due payment without a Refund row (made before refunds were recorded) was already paid.
    note = REFUND_NOTE[facts.refund_reason or Refund.Reason.ALREADY_PAID] if facts.refund_due else ""
    digest = hashlib.sha256(repr((RECEIPT_LAYOUT, facts.receipt_no, rows, note)).encode()).hexdigest()
    key = f"payments:receipt-pdf:{facts.payment_id}:{digest}"
    try:
        kept = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: draw it
        logger.warning("Receipt cache unavailable: %s", exc)
        kept = None
    if kept is not None:
        return kept
    pdf = _receipt_draw(receipt_no=facts.receipt_no, rows=rows, note=note)
    try:
        cache.set(key, pdf, RECEIPT_CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001
        logger.warning("Receipt cache unavailable: %s", exc)
    return pdf


def _receipt_draw(*, receipt_no: str, rows: list[tuple[str, str]], note: str) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
        title=f"Resit / Receipt {receipt_no}", author="PERKESO", subject="SKSPS contribution receipt",
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=9.5, leading=12)
    story = [
        Paragraph("PERTUBUHAN KESELAMATAN SOSIAL (PERKESO)", styles["Title"]),
        Paragraph("SOCIAL SECURITY ORGANISATION", styles["Heading3"]),
        Paragraph("Skim Keselamatan Sosial Pekerjaan Sendiri / Self-Employment Social Security Scheme (Act 789)",
                  small),
        Spacer(1, 6 * mm),
        Paragraph("RESIT / RECEIPT", styles["Heading1"]),
        Spacer(1, 2 * mm),
    ]
    table = Table(
        [[Paragraph(escape(label), cell), Paragraph(escape(value), cell)] for label, value in rows],
        colWidths=[78 * mm, 96 * mm],
    )
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#c4c4c4")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f4fa")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    story.append(Spacer(1, 6 * mm))
    if note:
        story.append(Paragraph(escape(note), cell))
        story.append(Spacer(1, 3 * mm))
    story += [
        Paragraph("Perlindungan bermula apabila bayaran diterima dan resit dikeluarkan. / Protection commences "
                  "upon payment accepted and receipt issued.", small),
        Paragraph("Resit ini dijana oleh komputer dan tidak memerlukan tandatangan. / This receipt is computer "
                  "generated and needs no signature.", small),
    ]
    document.build(story)
    return buffer.getvalue()


def receipt_email_send(*, payment_id: int) -> None:
    """Email the receipt of a newly paid payment (run after the settlement commits): the "payment approved" event
    message (or "approved after a failure", or the refund it will be when the contribution cannot take the money)
    in the person's language, with the receipt PDF attached. It is recorded with its kind and owner, so it shows in
    the person's message history, and sent once per approval (the event key); the SMS of the same event is
    `notifications.senders.payment_settled_tell`'s."""
    from matrix.payments.selectors import payments_with_details

    payment = payments_with_details().filter(pk=payment_id, status=Payment.Status.PAID).first()
    event = payment_event(payment=payment) if payment is not None else None
    if event is None or not event.email:
        return
    receipt = (f"receipt-{payment.receipt_no}.pdf", receipt_pdf(payment=payment), "application/pdf")
    with transaction.atomic():
        event_send(user=event.user, kind=event.kind, context=event.context, event_key=event.event_key,
                   email=event.email, attachments=[receipt])
