"""A receipt is drawn once per content (issue 13): a second download of the same receipt is the PDF kept in the
cache, and whatever changes what the receipt shows (the person's name, a refund) draws it again; another payment
never gets it."""

import io
from unittest import mock

import pytest
from pypdf import PdfReader

from matrix.payments import receipts
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.receipts import receipt_pdf
from matrix.payments.services import payment_settle
from tests.factories import user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db



def _paid(payment, key):
    fields = ac_fields(payment, key=key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    return _load(payment.pk)


def _load(pk):
    return Payment.objects.select_related("contribution__registration__person__user", "bank").get(pk=pk)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_second_download_is_not_drawn_again(fpx_key):
    payment = _paid(pending_payment_make(contribution=contribution_for(user_make())), fpx_key)
    with mock.patch.object(receipts, "_receipt_draw", wraps=receipts._receipt_draw) as draw:
        first = receipt_pdf(payment=payment)
        second = receipt_pdf(payment=_load(payment.pk))
    assert draw.call_count == 1
    assert first == second and payment.receipt_no in _text(second)


def test_a_changed_name_or_a_refund_draws_it_again(fpx_key):
    user = user_make()
    payment = _paid(pending_payment_make(contribution=contribution_for(user)), fpx_key)
    receipt_pdf(payment=payment)
    user.full_name = "NUR AISYAH BINTI AHMAD"
    user.save(update_fields=["full_name"])
    renamed = _text(receipt_pdf(payment=_load(payment.pk)))
    assert "NUR AISYAH BINTI AHMAD" in renamed
    Payment.objects.filter(pk=payment.pk).update(refund_due=True)
    refunded = _text(receipt_pdf(payment=_load(payment.pk)))
    assert "REFUND DUE" in refunded and "REFUND DUE" not in renamed


def test_another_payment_never_gets_a_kept_receipt(fpx_key):
    mine = _paid(pending_payment_make(contribution=contribution_for(user_make())), fpx_key)
    theirs = _paid(pending_payment_make(contribution=contribution_for(user_make(id_number="880202105555"))), fpx_key)
    receipt_pdf(payment=mine)
    text = _text(receipt_pdf(payment=theirs))
    assert theirs.receipt_no in text and mine.receipt_no not in text


def test_the_receipt_is_drawn_when_the_cache_is_down(fpx_key):
    payment = _paid(pending_payment_make(contribution=contribution_for(user_make())), fpx_key)
    with mock.patch.object(receipts.cache, "get", side_effect=ConnectionError("down")), \
            mock.patch.object(receipts.cache, "set", side_effect=ConnectionError("down")):
        assert payment.receipt_no in _text(receipt_pdf(payment=payment))
