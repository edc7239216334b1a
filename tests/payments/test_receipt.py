"""The receipt PDF: real PDF text (pypdf) with the receipt number, amount and the other particulars."""

import io

import pytest
from pypdf import PdfReader

from matrix.core.kltime import kl_format
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.receipts import ic_masked, receipt_pdf
from matrix.payments.services import payment_settle
from tests.factories import user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db


def _paid(payment, key):
    fields = ac_fields(payment, key=key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    return Payment.objects.select_related("contribution__registration__person__user", "bank").get(pk=payment.pk)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_receipt_pdf_holds_the_particulars(fpx_key):
    user = user_make(id_number="900101145678")
    payment = _paid(pending_payment_make(contribution=contribution_for(user)), fpx_key)
    pdf = receipt_pdf(payment=payment)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    contribution = payment.contribution
    for expected in ("RESIT / RECEIPT", payment.receipt_no, "RM 77.60", "RM 232.80", "SITI BINTI HASSAN",
                     "******-**-5678", contribution.registration.person.self_employed_code, "INFORMATION TECHNOLOGY",
                     "Teknologi Maklumat", "2512271635080001", "Affin Bank", kl_format(payment.paid_at),
                     kl_format(contribution.start_at), kl_format(contribution.end_at), "Portal MATRIX - FPX",
                     "No. Resit / Receipt No.", "4 Bulan / Month(s)"):
        assert expected in text, expected
    assert "900101145678" not in text


def test_no_receipt_before_payment():
    payment = pending_payment_make()
    with pytest.raises(ValueError):
        receipt_pdf(payment=payment)


@pytest.mark.parametrize(("number", "masked"), [
    ("900101145678", "******-**-5678"), ("900101-14-5678", "******-**-5678"), ("A12345678", "*****5678"),
    ("123", "***"),
])
def test_ic_masking(number, masked):
    assert ic_masked(number) == masked


@pytest.mark.parametrize(("rejected", "note"), [(True, "rejected or cancelled before the payment was approved"),
                                                (False, "This contribution was already paid")])
def test_a_refund_due_receipt_and_email_say_why(fpx_key, django_capture_on_commit_callbacks, rejected, note):
    from matrix.contributions.models import Contribution
    from matrix.notifications.models import OutboxMessage

    contribution = contribution_for()
    if rejected:
        Contribution.objects.filter(pk=contribution.pk).update(state=Contribution.State.REJECTED)
    else:
        _paid(pending_payment_make(contribution=contribution), fpx_key)
    payment = Payment.objects.create(contribution=contribution, seller_ex_order_no="LATE1", seller_order_no="LATE1",
                                     seller_txn_time="20261201100000", amount=contribution.amount)
    with django_capture_on_commit_callbacks(execute=True):
        payment = _paid(payment, fpx_key)
    assert payment.refund_due and note in " ".join(_text(receipt_pdf(payment=payment)).split())
    email = OutboxMessage.objects.filter(subject__contains="will be refunded").get()
    assert ("was rejected or cancelled" if rejected else "was already paid") in email.body
