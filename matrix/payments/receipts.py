"""The e-receipt: a PDF in Bahasa Malaysia and English, built with ReportLab, downloaded from the payment
details page and attached to the "payment approved" email (in the person's language)."""

import hashlib
import io
import logging
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


def _rows(payment: Payment) -> list[tuple[str, str]]:
    contribution = payment.contribution
    registration = contribution.registration
    person = registration.person
    sector = registration.sector
    plan_annual = contribution.monthly_contribution * 12
    period = ""
    if contribution.start_at and contribution.end_at and not payment.refund_due:
        period = f"{kl_format(contribution.start_at)} - {kl_format(contribution.end_at)}"
    rows = [
        ("No. Resit / Receipt No.", payment.receipt_no or ""),
        ("Kod Pekerja Sendiri / Self-Employed Code", person.self_employed_code or "-"),
        ("Nama / Name", person.user.full_name),
        ("No. Kad Pengenalan / IC No.", ic_masked(person.user.id_number)),
        ("Sektor / Sector", f"{sector.name_en} / {sector.name_ms}"),
        ("Pelan Caruman / Contribution Plan", money_format(plan_annual)),
        ("Bilangan Bulan Caruman / Number of Contribution Months", f"{contribution.months} Bulan / Month(s)"),
        ("Amaun Caruman / Contribution Amount", money_format(payment.amount)),
        ("Tempoh Perlindungan / Coverage Period", period or "-"),
        ("ID Transaksi FPX / FPX Transaction ID", payment.fpx_txn_id or "-"),
        ("Bank", payment.bank.name if payment.bank else (payment.buyer_bank_id or "-")),
        ("Tarikh & Masa Bayaran / Payment Date Time", kl_format(payment.paid_at or payment.settled_at)),
        ("Kaedah Bayaran / Payment Method", payment.method_label),
    ]
    if payment.method == Payment.Method.COUNTER:
        rows += [
            ("Cara Bayaran di Kaunter / Paid At The Counter By", COUNTER_METHOD_LABEL.get(payment.counter_method, "-")),
            ("Rujukan / Reference", payment.counter_reference or "-"),
        ]
    return rows


def _refund_reason(payment: Payment) -> str:
    """Why the money of a refund-due payment is owed back: ALREADY_PAID (also when no Refund row is known, as for
    rows made before refunds were recorded) or NOT_PAYABLE."""
    refund = Refund.objects.filter(payment_id=payment.pk).only("reason").first()
    return refund.reason if refund is not None else Refund.Reason.ALREADY_PAID


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


def receipt_pdf(*, payment: Payment) -> bytes:
    """The receipt of a Paid payment as PDF bytes. A receipt is drawn once per content: the PDF is kept in the
    cache under the payment and a digest of every text it shows, so a second download does not draw it again,
    and anything that changes what it shows (a refund, the person's name, a sector's name) is a new key: a kept
    PDF can never be stale, nor another payment's."""
    if payment.status != Payment.Status.PAID or not payment.receipt_no:
        raise ValueError("only a paid payment has a receipt")
    rows = _rows(payment)
    note = REFUND_NOTE[_refund_reason(payment)] if payment.refund_due else ""
    digest = hashlib.sha256(repr((RECEIPT_LAYOUT, payment.receipt_no, rows, note)).encode()).hexdigest()
    key = f"payments:receipt-pdf:{payment.pk}:{digest}"
    try:
        kept = cache.get(key)
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: draw it
        logger.warning("Receipt cache unavailable: %s", exc)
        kept = None
    if kept is not None:
        return kept
    pdf = _receipt_draw(receipt_no=payment.receipt_no, rows=rows, note=note)
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
