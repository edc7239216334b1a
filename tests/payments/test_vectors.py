"""The seven genuine FPX UAT messages (../shared/fpx-vectors): accepted from their raw form bodies with the
clock inside the certificate's validity, refused when any single value changes or the certificate is expired,
and settled (pending then approved) to Paid."""

import datetime
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.payments.fpx import checksum
from matrix.payments.fpx.exceptions import MessageRefused
from matrix.payments.fpx.messages import ac_parse, bc_parse, form_parse
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle, payment_settle_body
from tests.factories import contribution_make
from tests.payments.fpxkit import LATER_CERTS, UAT_CERT, VECTORS

INSIDE_VALIDITY = datetime.datetime(2021, 6, 20, 12, 0, tzinfo=datetime.UTC)
MESSAGES = {path.stem: json.loads(path.read_text()) for path in sorted((VECTORS / "messages").glob("*.json"))}
AC_IDS = sorted(name for name, message in MESSAGES.items() if message["msgType"] == "AC")
FIELD_CASES = [(name, field) for name in sorted(MESSAGES) for field in MESSAGES[name]["fields"]]


@pytest.fixture(scope="module")
def uat_certs():
    return checksum.load_certificates([UAT_CERT])


def _parse(message, certificates, now=INSIDE_VALIDITY):
    if message["msgType"] == "BC":
        return bc_parse(message["form_body"], certificates=certificates, now=now)
    return ac_parse(message["form_body"], certificates=certificates, now=now)


def _altered(value: str) -> str:
    """A different value of the same shape: one character changed (or one added to an empty value)."""
    if not value:
        return "X"
    last = value[-1]
    replacement = "1" if last == "0" else "0" if last.isdigit() else ("B" if last != "B" else "C")
    return value[:-1] + replacement


def test_there_are_seven_genuine_messages():
    assert len(MESSAGES) == 7
    assert len(AC_IDS) == 6


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_vector_parses_and_verifies_from_its_raw_body(name, uat_certs):
    message = MESSAGES[name]
    fields = form_parse(message["form_body"])
    assert fields == message["fields"]  # '+' decoded to a space, %2C to ',', blanks kept
    assert len(fields["fpx_checkSum"]) == 512
    assert checksum.message_verify(fields, message["msgType"], uat_certs, now=INSIDE_VALIDITY)
    parsed = _parse(message, uat_certs)
    if message["msgType"] == "AC":
        assert parsed.seller_ex_order_no == fields["fpx_sellerExOrderNo"]
        assert parsed.amount == Decimal(fields["fpx_txnAmount"])
        assert parsed.debit_auth_code == fields["fpx_debitAuthCode"]


def test_clock_frozen_with_time_machine_inside_validity(uat_certs):
    with time_machine.travel(INSIDE_VALIDITY, tick=False):
        for name in AC_IDS:
            assert ac_parse(MESSAGES[name]["form_body"], certificates=uat_certs, now=timezone.now())


def test_bank_list_vector(uat_certs):
    banks = bc_parse(MESSAGES["bc_20210608_banklist_EX00011982"]["form_body"], certificates=uat_certs,
                     now=INSIDE_VALIDITY, seller_ex_id="EX00011982", names={"MBB0228": "Maybank2E"})
    assert len(banks) == 25
    by_code = {bank.code: bank for bank in banks}
    assert by_code["MBB0228"].name == "Maybank2E" and by_code["MBB0228"].available
    assert not by_code["SCB0216"].available and not by_code["UOB0226"].available and not by_code["CIT0219"].available
    assert by_code["TEST0021"].name == "TEST0021"  # unknown codes are shown by code
    with pytest.raises(MessageRefused):
        bc_parse(MESSAGES["bc_20210608_banklist_EX00011982"]["form_body"], certificates=uat_certs,
                 now=INSIDE_VALIDITY, seller_ex_id="EX99999999")


@pytest.mark.parametrize(("name", "field"), FIELD_CASES)
def test_any_single_changed_value_is_refused(name, field, uat_certs):
    message = MESSAGES[name]
    fields = dict(message["fields"])
    fields[field] = _altered(fields[field])
    altered_body = urlencode(fields)
    assert not checksum.message_verify(fields, message["msgType"], uat_certs, now=INSIDE_VALIDITY)
    with pytest.raises(MessageRefused):
        _parse({**message, "form_body": altered_body}, uat_certs)


@pytest.mark.parametrize("name", [name for name in AC_IDS if "+" in MESSAGES[name]["form_body"]])
def test_plus_not_decoded_as_space_fails(name, uat_certs):
    message = MESSAGES[name]
    fields = form_parse(message["form_body"].replace("+", "%2B"))
    assert not checksum.message_verify(fields, "AC", uat_certs, now=INSIDE_VALIDITY)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_refused_with_the_expired_certificate_today(name, uat_certs):
    with pytest.raises(MessageRefused):
        _parse(MESSAGES[name], uat_certs, now=timezone.now())


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_rollover_old_and_current_certificates_still_verify(name):
    certificates = checksum.load_certificates([*LATER_CERTS, UAT_CERT])
    assert _parse(MESSAGES[name], certificates)
    with pytest.raises(MessageRefused):  # the later certificates alone do not verify these messages
        _parse(MESSAGES[name], checksum.load_certificates(LATER_CERTS))


# --- settlement of the pending-then-approved pair ------------------------------------------------------------

PENDING = MESSAGES["ac_20210626_indirect_09_pending_888.00"]
APPROVED = MESSAGES["ac_20210626_indirect_approved_888.00"]
SETTLE_AT = datetime.datetime(2021, 6, 26, 1, 0, tzinfo=datetime.UTC)


@pytest.fixture
def vector_payment(db, settings):
    settings.FPX_CERT_PATHS = [str(UAT_CERT)]
    settings.FPX_SELLER_EX_ID = "EX00011982"
    settings.FPX_SELLER_ID = "SE00013501"
    # 888.00 = RM 74.00 a month for 12 months (a made-up contribution matching the vector's order).
    contribution = contribution_make(months=12)
    Contribution.objects.filter(pk=contribution.pk).update(monthly_contribution=Decimal("74.00"),
                                                           amount=Decimal("888.00"))
    return Payment.objects.create(
        contribution=contribution, seller_ex_order_no="20210625182933", seller_order_no="20210625182933",
        seller_txn_time="20210625182933", amount=Decimal("888.00"),
    )


def _settle(message):
    return payment_settle(fields=form_parse(message["form_body"]), raw_body=message["form_body"],
                          channel=FpxMessage.Channel.AC_INDIRECT)


def test_pending_then_approved_vector_pair_ends_paid(vector_payment):
    with time_machine.travel(SETTLE_AT, tick=False):
        first = _settle(PENDING)
        vector_payment.refresh_from_db()
        assert first.accepted and vector_payment.status == Payment.Status.PENDING
        assert vector_payment.debit_auth_code == "09"
        second = _settle(APPROVED)
    vector_payment.refresh_from_db()
    assert second.accepted
    assert vector_payment.status == Payment.Status.PAID
    assert vector_payment.fpx_txn_id == "2106260046390518"
    assert vector_payment.debit_auth_code == "00" and vector_payment.credit_auth_code == "00"
    assert vector_payment.receipt_no and vector_payment.receipt_no.startswith("2021")
    assert vector_payment.fpx_txn_time == datetime.datetime(2021, 6, 25, 16, 46, 39, tzinfo=datetime.UTC)
    contribution = vector_payment.contribution
    contribution.refresh_from_db()
    assert contribution.state == contribution.State.PAID and contribution.start_at == SETTLE_AT
    assert list(vector_payment.messages.values_list("signature_valid", flat=True)) == [True, True]


def test_approved_then_pending_vector_pair_stays_paid(vector_payment):
    with time_machine.travel(SETTLE_AT, tick=False):
        _settle(APPROVED)
        receipt_no = Payment.objects.get(pk=vector_payment.pk).receipt_no
        late = _settle(PENDING)
    vector_payment.refresh_from_db()
    assert late.accepted and late.outcome.startswith("duplicate")
    assert vector_payment.status == Payment.Status.PAID and vector_payment.receipt_no == receipt_no
    assert vector_payment.debit_auth_code == "00"


def test_vector_refused_today_is_logged_and_changes_nothing(vector_payment):
    result = payment_settle_body(raw_body=APPROVED["form_body"], channel=FpxMessage.Channel.AC_DIRECT)
    vector_payment.refresh_from_db()
    assert not result.accepted
    assert vector_payment.status == Payment.Status.PENDING
    log = FpxMessage.objects.get()
    assert log.signature_valid is False and log.payment == vector_payment and log.body == APPROVED["form_body"]
