"""The direct AC's work done once: the body parsed once (at the door, where its checksum is checked before any
rate limit; settlement takes those fields), and the payment written by one UPDATE of the fields that changed."""

import pytest
from django.urls import reverse

from matrix.payments.fpx import messages
from matrix.payments.models import Payment
from matrix.payments.services import settle
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


def _parses_counted(monkeypatch, *where) -> list:
    """The bodies form_parse is given from now on, at each of `where` (a module, or a dotted name)."""
    parsed = []

    def counting(raw):
        parsed.append(raw)
        return messages.form_parse(raw)

    for target in where:
        if isinstance(target, str):
            monkeypatch.setattr(target, counting)
        else:
            monkeypatch.setattr(target, "form_parse", counting)
    return parsed


@pytest.mark.parametrize("name", ["payments:fpx_direct", "payments:fpx_indirect"])
def test_an_authentic_ac_is_parsed_once(client, fpx_key, monkeypatch, name):
    payment = pending_payment_make()
    parsed = _parses_counted(monkeypatch, "matrix.payments.views.form_parse", settle)
    response = client.post(reverse(name), body(ac_fields(payment, key=fpx_key)),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)
    assert len(parsed) == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID


def test_a_forged_ac_is_parsed_again_and_refused(client, fpx_key, seller_keys, monkeypatch):
    payment = pending_payment_make()
    parsed = _parses_counted(monkeypatch, settle)
    response = client.post(reverse("payments:fpx_direct"), body(ac_fields(payment, key=seller_keys.key)),
                           content_type="application/x-www-form-urlencoded")
    assert response.content == b"NOK" and len(parsed) == 1  # settlement parsed what the door refused
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING


def test_an_approval_writes_the_payment_with_one_update_and_no_save(fpx_key, monkeypatch):
    payment = pending_payment_make()
    saved = []
    monkeypatch.setattr(Payment, "save", lambda self, *args, **kwargs: saved.append(kwargs))
    result = settle.payment_settle_body(raw_body=body(ac_fields(payment, key=fpx_key)), channel="AC_DIRECT")
    assert result.outcome == "paid" and saved == []
    stored = Payment.objects.select_related("bank").get(pk=payment.pk)
    assert (stored.status, stored.receipt_no, stored.debit_auth_code, stored.credit_auth_code) == (
        Payment.Status.PAID, result.payment.receipt_no, "00", "00")
    assert stored.paid_at == result.payment.paid_at and stored.settled_at == result.payment.settled_at
    assert stored.fpx_txn_id == "2512271635080001" and stored.bank.code == "ABB0233"
