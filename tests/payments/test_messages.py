"""FPX builders and parsers against fixed vectors: field order, the exact checksum string, and the hex
signature verified with the public key; amounts, names, codes."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from matrix.payments.fpx import checksum
from matrix.payments.fpx.codes import RESPONSE_CODES, code_meaning, status_for_code
from matrix.payments.fpx.config import Seller
from matrix.payments.fpx.exceptions import MessageRefused
from matrix.payments.fpx.messages import (
    Order,
    ac_parse,
    ae_build,
    amount_format,
    amount_parse,
    ar_build,
    bank_list_parse,
    bc_parse,
    be_build,
    buyer_name_safe,
    form_parse,
    message_signed,
    time_format,
    time_parse,
)
from tests.payments.fpxkit import ac_fields, body

SELLER = Seller(ex_id="EX00000001", id="SE00000001", bank_code="01", version="7.0")
ORDER = Order(
    seller_ex_order_no="20191227163508A1B2C3",
    seller_order_no="SKSPS42T20191227163508A1B2C3",
    seller_txn_time="20191227163508",
    amount=Decimal("77.60"),
    buyer_email="siti@example.com",
    buyer_name="Siti binti Hassan",
    buyer_bank_id="ABB0233",
)
NOW = datetime.datetime.now(datetime.UTC)


def _verifies(public_key, data: str, signature_hex: str) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), data.encode(), padding.PKCS1v15(), hashes.SHA1())
    except Exception:
        return False
    return True


def test_be_builder(seller_keys):
    fields = be_build(seller=SELLER, private_key=seller_keys.key)
    assert list(fields) == ["fpx_msgToken", "fpx_msgType", "fpx_sellerExId", "fpx_version", "fpx_checkSum"]
    data = checksum.checksum_string(fields, checksum.BE_FIELDS)
    assert data == "01|BE|EX00000001|7.0"
    assert _verifies(seller_keys.key.public_key(), data, fields["fpx_checkSum"])


@pytest.mark.parametrize("msg_type", ["AR", "AE"])
def test_ar_and_ae_builders(seller_keys, msg_type):
    build = ar_build if msg_type == "AR" else ae_build
    fields = build(seller=SELLER, order=ORDER, private_key=seller_keys.key)
    assert list(fields) == [f"fpx_{name}" for name in checksum.AR_FIELDS] + ["fpx_checkSum"]
    data = checksum.checksum_string(fields, checksum.AR_FIELDS)
    assert data == (
        "||ABB0233|siti@example.com|||Siti binti Hassan||01|" + msg_type + "|SKSPS Contribution|01|EX00000001|"
        "20191227163508A1B2C3|SE00000001|SKSPS42T20191227163508A1B2C3|20191227163508|77.60|MYR|7.0"
    )
    signature = fields["fpx_checkSum"]
    assert len(signature) == 512 and signature == signature.upper()
    assert _verifies(seller_keys.key.public_key(), data, signature)
    assert checksum.verify(data, signature, [seller_keys.cert], now=NOW)
    assert not _verifies(seller_keys.key.public_key(), data.replace("77.60", "77.61"), signature)


def test_ar_is_deterministic_for_a_frozen_order(seller_keys):
    assert ar_build(seller=SELLER, order=ORDER, private_key=seller_keys.key) == ar_build(
        seller=SELLER, order=ORDER, private_key=seller_keys.key)


def test_ac_builder_round_trip(fpx_keys):
    fpx = fpx_keys[0]
    payment = SimpleNamespace(seller_ex_order_no="X1", seller_order_no="O1", seller_txn_time="20251227163508",
                              amount=Decimal("77.60"))
    fields = ac_fields(payment, key=fpx.key, buyerName="N@ME()/ .-&BUYER")
    raw = body(fields)
    assert "N%40ME%28%29%2F+.-%26BUYER" in raw
    assert form_parse(raw) == fields
    ac = ac_parse(raw, certificates=[fpx.cert], now=NOW)
    assert ac.status == "PAID" and ac.amount == Decimal("77.60") and ac.buyer_name == "N@ME()/ .-&BUYER"
    assert ac.fpx_txn_time == datetime.datetime(2025, 12, 27, 8, 35, 8, tzinfo=datetime.UTC)


@pytest.mark.parametrize(("override", "value"), [
    ("txnAmount", "0.99"), ("txnAmount", "30000.01"), ("txnAmount", "77.6"), ("txnAmount", "77.600"),
    ("txnAmount", "-1.00"), ("txnAmount", ""), ("txnCurrency", "USD"), ("msgToken", "02"), ("msgType", "BC"),
    ("sellerExOrderNo", ""), ("debitAuthCode", ""), ("fpxTxnTime", "2025-12-27"),
])
def test_ac_parser_refuses_authentic_but_unusable_messages(fpx_keys, override, value):
    fpx = fpx_keys[0]
    payment = SimpleNamespace(seller_ex_order_no="X1", seller_order_no="O1", seller_txn_time="20251227163508",
                              amount=Decimal("77.60"))
    fields = ac_fields(payment, key=fpx.key, **{override: value})
    with pytest.raises(MessageRefused):
        ac_parse(body(fields), certificates=[fpx.cert], now=NOW)


def test_ac_parser_refuses_wrong_key_expired_cert_and_duplicate_fields(fpx_keys):
    fpx, seller = fpx_keys
    payment = SimpleNamespace(seller_ex_order_no="X1", seller_order_no="O1", seller_txn_time="20251227163508",
                              amount=Decimal("77.60"))
    raw = body(ac_fields(payment, key=seller.key))  # signed by someone who is not FPX
    with pytest.raises(MessageRefused):
        ac_parse(raw, certificates=[fpx.cert], now=NOW)
    good = body(ac_fields(payment, key=fpx.key))
    with pytest.raises(MessageRefused):
        ac_parse(good, certificates=[fpx.cert], now=NOW + datetime.timedelta(days=3650))
    with pytest.raises(MessageRefused):
        ac_parse(good + "&fpx_txnAmount=1.00", certificates=[fpx.cert], now=NOW)
    with pytest.raises(MessageRefused):
        form_parse(b"fpx_msgType=\xff")


def test_bc_builder_and_parser(fpx_keys):
    fpx = fpx_keys[0]
    fields = message_signed({"fpx_msgType": "BC", "fpx_msgToken": "01", "fpx_sellerExId": "EX00000001",
                             "fpx_bankList": "ABB0233~A,UOB0226~B,ZZZ0001~A"}, "BC", fpx.key)
    assert checksum.checksum_string(fields, checksum.BC_FIELDS) == "ABB0233~A,UOB0226~B,ZZZ0001~A|01|BC|EX00000001"
    banks = bc_parse(body(fields), certificates=[fpx.cert], now=NOW, seller_ex_id="EX00000001",
                     names={"ABB0233": "Affin Bank", "UOB0226": "UOB Bank"})
    assert [(b.code, b.name, b.available) for b in banks] == [
        ("ABB0233", "Affin Bank", True), ("UOB0226", "UOB Bank", False), ("ZZZ0001", "ZZZ0001", True)]


def test_bank_list_tolerates_blanks_and_repeats():
    banks = bank_list_parse(" MBB0228~A,,MBB0228~B, ~A,CIT0219~", {})
    assert [(b.code, b.available) for b in banks] == [("CIT0219", False), ("MBB0228", False)]


def test_amounts():
    assert amount_format(Decimal("77.6")) == "77.60"
    assert amount_format(Decimal("1.00")) == "1.00"
    assert amount_format(Decimal("30000")) == "30000.00"
    for bad in (Decimal("0.99"), Decimal("30000.01"), Decimal("1.005")):
        with pytest.raises(ValueError):
            amount_format(bad)
    with pytest.raises(ValueError):
        amount_format(77.6)
    assert amount_parse("100.01") == Decimal("100.01")


def test_times_are_kuala_lumpur():
    moment = datetime.datetime(2019, 12, 27, 8, 35, 8, tzinfo=datetime.UTC)
    assert time_format(moment) == "20191227163508"
    assert time_parse("20191227163508") == moment
    assert time_parse("") is None


def test_buyer_name_is_fpx_safe():
    assert buyer_name_safe("Siti  binti Hassan") == "Siti binti Hassan"
    assert buyer_name_safe("Nur'ain @ Aini (Kak) & Co. / A-B") == "Nur'ain @ Aini (Kak) & Co. / A-B"
    assert buyer_name_safe("Ahmad <script>; \"x\" ä") == "Ahmad script x"
    assert len(buyer_name_safe("A" * 100)) == 40


@pytest.mark.parametrize(("code", "status"), [
    ("00", "PAID"), ("09", "PENDING"), ("99", "PENDING"), ("51", "FAILED"), ("BC", "FAILED"), ("1M", "FAILED"),
    ("76", "FAILED"), ("2X", "FAILED"), ("FE", "FAILED"), ("ZZ", "FAILED"),
])
def test_status_for_code(code, status):
    assert status_for_code(code) == status


@pytest.mark.parametrize(("code", "live", "status"), [
    ("76", True, "PENDING"), ("76", False, "FAILED"), ("XO", False, "PENDING"), ("XN", False, "PENDING"),
    ("45", False, "PENDING"), ("51", True, "FAILED"), ("00", True, "PAID"),
])
def test_not_found_is_final_only_after_the_ar_expired_and_duplicate_order_codes_never(code, live, status):
    assert status_for_code(code, order_live=live) == status


def test_code_meanings():
    required = ["00", "09", "99", "51", "BC", "1M", "76", "05", "12", "13", "20", "31", "39", "45", "46", "47", "48",
                "49", "53", "57", "58", "65", "83", "2A", "2X", "FE"]
    assert all(code in RESPONSE_CODES for code in required)
    assert code_meaning("51") == "Insufficient Funds"
    assert code_meaning("BC") == "Cancelled By Customer"
    assert code_meaning("00") == "Approved"
    assert "ZZ" in code_meaning("ZZ")
