"""BE/BC, AR and AE over HTTP: signed with the simulator's key, verified against the seller's certificate."""

import re
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest
from django.urls import reverse

from matrix.fpx_simulator import services
from matrix.fpx_simulator.models import SimulatedTransaction
from matrix.payments.fpx import checksum
from matrix.reference.models import Bank
from tests.fpx_simulator.helpers import signed_ae, signed_ar, signed_be, simulator_signed

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def post_message(client, name: str, fields: dict[str, str]):
    return client.post(reverse(f"fpx_simulator:{name}"), data=urlencode(fields), content_type=FORM)


def decoded(response) -> dict[str, str]:
    return dict(parse_qsl(response.content.decode(), keep_blank_values=True))


def test_banklist_answers_a_signed_bc_with_every_active_bank(client):
    response = post_message(client, "banklist", signed_be())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    bc = decoded(response)
    assert bc["fpx_msgType"] == "BC"
    assert bc["fpx_msgToken"] == "01"
    assert simulator_signed(bc, "BC")
    entries = dict(item.split("~") for item in bc["fpx_bankList"].split(","))
    assert set(entries) == set(Bank.objects.active().values_list("code", flat=True))
    assert entries["HSBC0223"] == "B"
    assert entries["MB2U0227"] == "A"
    assert set(entries.values()) == {"A", "B"}


def test_banklist_body_without_content_type_is_still_read(client):
    response = client.generic("POST", reverse("fpx_simulator:banklist"), urlencode(signed_be()),
                              content_type="text/plain")
    assert response.status_code == 200
    assert simulator_signed(decoded(response), "BC")


def test_offline_banks_are_configurable(client):
    services.simulator_configure(offline_banks={"MBB0228", "RHB0218"})
    entries = dict(item.split("~") for item in decoded(post_message(client, "banklist", signed_be()))
                   ["fpx_bankList"].split(","))
    assert {code for code, state in entries.items() if state == "B"} == {"MBB0228", "RHB0218"}


def test_bc_for_an_inactive_bank_leaves_it_out(client):
    Bank.objects.filter(code="KFH0346").update(is_active=False)
    bc = decoded(post_message(client, "banklist", signed_be()))
    assert "KFH0346" not in bc["fpx_bankList"]


@pytest.mark.parametrize("tamper", ["value", "signature", "missing", "unknown_seller"])
def test_forged_be_is_refused(client, settings, tamper):
    be = signed_be()
    if tamper == "value":
        be["fpx_sellerExId"] = "EX99999999"
    elif tamper == "signature":
        be["fpx_checkSum"] = be["fpx_checkSum"][:-4] + "0000"
    elif tamper == "missing":
        del be["fpx_checkSum"]
    else:
        be = signed_be(fpx_sellerExId="EX99999999")
    response = post_message(client, "banklist", be)
    assert response.status_code == 400
    assert response.content.decode().startswith("ERROR")


def test_be_signed_by_another_key_is_refused(client, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    be = {"fpx_msgToken": "01", "fpx_msgType": "BE", "fpx_sellerExId": "EX00000001", "fpx_version": "7.0"}
    be["fpx_checkSum"] = checksum.message_sign(be, "BE", other)
    assert post_message(client, "banklist", be).status_code == 400


def test_get_is_not_allowed_on_message_endpoints(client):
    for name in ("banklist", "ar", "enquiry"):
        assert client.get(reverse(f"fpx_simulator:{name}")).status_code == 405


# --- AR ------------------------------------------------------------------------------------------------------

def test_valid_ar_records_the_transaction_and_opens_the_bank_login(client, settings):
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = "http://merchant.example"
    ar = signed_ar(fpx_txnAmount="232.80")
    response = client.post(reverse("fpx_simulator:ar"), ar)

    txn = SimulatedTransaction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("fpx_simulator:bank_login", kwargs={"token": txn.bank_token})
    assert txn.amount == Decimal("232.80")
    assert txn.seller_ex_order_no == ar["fpx_sellerExOrderNo"]
    assert txn.seller_order_no == ar["fpx_sellerOrderNo"]
    assert txn.bank.code == "MB2U0227"
    assert txn.buyer_name == "SITI BINTI HASSAN"
    assert txn.buyer_email == "siti@example.com"
    assert txn.status == SimulatedTransaction.Status.PENDING
    assert txn.debit_auth_code == ""
    assert txn.merchant_base_url == "http://merchant.example"
    assert re.fullmatch(r"\d{16}", txn.fpx_txn_id)


def test_merchant_base_url_defaults_to_the_host_that_received_the_ar(client, settings):
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = ""
    client.post(reverse("fpx_simulator:ar"), signed_ar())
    assert SimulatedTransaction.objects.get().merchant_base_url == "http://testserver"


def test_fpx_transaction_ids_are_16_digits_kl_time_and_unique(client, time_machine):
    from matrix.core.kltime import kl_now

    # Within the seller certificate's validity (it was generated recently), at a fixed second.
    moment = kl_now().replace(microsecond=0)
    time_machine.move_to(moment, tick=False)
    for _ in range(3):
        assert client.post(reverse("fpx_simulator:ar"), signed_ar()).status_code == 302
    ids = sorted(SimulatedTransaction.objects.values_list("fpx_txn_id", flat=True))
    prefix = moment.strftime("%y%m%d%H%M%S")
    assert ids == [f"{prefix}0001", f"{prefix}0002", f"{prefix}0003"]
    ac = services.ac_for(SimulatedTransaction.objects.get(fpx_txn_id=ids[0]))
    assert ac["fpx_fpxTxnTime"] == moment.strftime("%Y%m%d%H%M%S")


def test_fpx_txn_id_format_uses_kuala_lumpur_time():
    from datetime import UTC, datetime

    # 16:46:39 UTC is 00:46:39 the next day in Kuala Lumpur (the genuine vector's 2106260046390518).
    assert services.fpx_txn_id_format(moment=datetime(2021, 6, 25, 16, 46, 39, tzinfo=UTC), sequence=518) == (
        "2106260046390518"
    )


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"fpx_txnAmount": "0.99"}, "amount"),
        ({"fpx_txnAmount": "30000.01"}, "amount"),
        ({"fpx_txnAmount": "77.6"}, "amount"),
        ({"fpx_txnAmount": "77.600"}, "amount"),
        ({"fpx_txnAmount": "-1.00"}, "amount"),
        ({"fpx_txnAmount": "1e3"}, "amount"),
        ({"fpx_txnAmount": ""}, "amount"),
        ({"fpx_txnCurrency": "USD"}, "currency"),
        ({"fpx_buyerBankId": "XXX0001"}, "not an FPX bank"),
        ({"fpx_buyerBankId": "HSBC0223"}, "offline"),
        ({"fpx_msgToken": "02"}, "B2C"),
        ({"fpx_sellerExOrderNo": ""}, "fpx_sellerExOrderNo"),
        ({"fpx_sellerTxnTime": "2021-06-26"}, "transaction time"),
        ({"fpx_sellerExId": "EX99999999"}, "not registered"),
        ({"fpx_msgType": "AE"}, "message type"),
    ],
)
def test_invalid_ar_is_refused_with_an_error_page_and_records_nothing(client, overrides, reason):
    response = client.post(reverse("fpx_simulator:ar"), signed_ar(**overrides))
    assert response.status_code == 400
    assert "Payment request refused" in response.content.decode()
    assert reason in response.content.decode()
    assert not SimulatedTransaction.objects.exists()


def test_boundary_amounts_are_accepted(client):
    for amount in ("1.00", "30000.00"):
        assert client.post(reverse("fpx_simulator:ar"), signed_ar(fpx_txnAmount=amount)).status_code == 302
    assert SimulatedTransaction.objects.count() == 2


@pytest.mark.parametrize("field", ["fpx_txnAmount", "fpx_sellerExOrderNo", "fpx_buyerBankId", "fpx_buyerName"])
def test_altered_ar_is_refused(client, field):
    ar = signed_ar()
    ar[field] = {"fpx_txnAmount": "1.00", "fpx_buyerBankId": "RHB0218"}.get(field, "SOMETHING ELSE")
    response = client.post(reverse("fpx_simulator:ar"), ar)
    assert response.status_code == 400
    assert "checksum" in response.content.decode()
    assert not SimulatedTransaction.objects.exists()


def test_the_same_seller_order_is_refused_twice(client):
    ar = signed_ar()
    assert client.post(reverse("fpx_simulator:ar"), ar).status_code == 302
    response = client.post(reverse("fpx_simulator:ar"), ar)
    assert response.status_code == 400
    assert SimulatedTransaction.objects.count() == 1


def test_ar_page_is_translated(client):
    client.cookies["django_language"] = "ms"
    response = client.post(reverse("fpx_simulator:ar"), signed_ar(fpx_txnAmount="0.50"), HTTP_ACCEPT_LANGUAGE="ms")
    assert response.status_code == 400
    assert 'lang="ms"' in response.content.decode()
    assert "Permintaan pembayaran ditolak" in response.content.decode()


# --- AE ------------------------------------------------------------------------------------------------------

def test_ae_for_a_transaction_still_at_the_bank_answers_pending_09(client):
    ar = signed_ar()
    client.post(reverse("fpx_simulator:ar"), ar)
    txn = SimulatedTransaction.objects.get()

    response = post_message(client, "enquiry", signed_ae(ar))

    assert response.status_code == 200
    ac = decoded(response)
    assert simulator_signed(ac, "AC")
    assert ac["fpx_msgType"] == "AC"
    assert ac["fpx_debitAuthCode"] == "09"
    assert ac["fpx_fpxTxnId"] == txn.fpx_txn_id
    assert ac["fpx_sellerExOrderNo"] == ar["fpx_sellerExOrderNo"]
    assert ac["fpx_txnAmount"] == "77.60"
    assert set(ac) == {f"fpx_{name}" for name in checksum.AC_FIELDS} | {"fpx_checkSum"}


@pytest.mark.parametrize(("code", "status"), [("00", "approved"), ("51", "failed"), ("BC", "failed"),
                                              ("1M", "failed")])
def test_ae_after_settlement_answers_the_final_code(client, code, status):
    ar = signed_ar()
    client.post(reverse("fpx_simulator:ar"), ar)
    txn = SimulatedTransaction.objects.get()
    services.simulated_transaction_decide(transaction_id=txn.pk, outcome="pending", account_name="siti")
    assert decoded(post_message(client, "enquiry", signed_ae(ar)))["fpx_debitAuthCode"] == "09"

    services.simulated_transaction_settle(fpx_txn_id=txn.fpx_txn_id, code=code)

    ac = decoded(post_message(client, "enquiry", signed_ae(ar)))
    assert simulator_signed(ac, "AC")
    assert ac["fpx_debitAuthCode"] == code
    assert SimulatedTransaction.objects.get().status == status
    if code == "00":
        assert ac["fpx_creditAuthCode"] == "00"
        assert ac["fpx_buyerName"] == "SITI"
        assert re.fullmatch(r"\d{8}", ac["fpx_debitAuthNo"])


def test_ae_for_an_unknown_order_answers_76_like_fpx(client):
    ar = signed_ar(fpx_sellerExOrderNo="NEVER-SENT", fpx_txnAmount="100.00")
    ac = decoded(post_message(client, "enquiry", signed_ae(ar)))

    assert simulator_signed(ac, "AC")
    assert ac["fpx_debitAuthCode"] == "76"
    assert ac["fpx_sellerExOrderNo"] == "NEVER-SENT"
    assert ac["fpx_txnAmount"] == "100.00"
    assert ac["fpx_buyerBankId"] == "MB2U0227"
    empty = {name for name, value in ac.items() if value == ""}
    # The same ten empty fields as FPX's genuine answer (fpx-vectors/ac_20210619_ae_response_76_pending.json).
    assert empty == {"fpx_debitAuthNo", "fpx_creditAuthNo", "fpx_buyerName", "fpx_buyerId", "fpx_makerName",
                     "fpx_buyerBankBranch", "fpx_creditAuthCode", "fpx_fpxTxnTime", "fpx_buyerIban", "fpx_fpxTxnId"}


def test_forged_ae_is_refused(client):
    ar = signed_ar()
    client.post(reverse("fpx_simulator:ar"), ar)
    ae = signed_ae(ar)
    ae["fpx_txnAmount"] = "1.00"
    response = post_message(client, "enquiry", ae)
    assert response.status_code == 400
    assert response.content.decode().startswith("ERROR")


def test_an_ar_signed_as_ae_is_not_an_enquiry(client):
    response = post_message(client, "enquiry", signed_ar())
    assert response.status_code == 400


def test_settling_a_final_transaction_is_refused(client):
    client.post(reverse("fpx_simulator:ar"), signed_ar())
    txn = SimulatedTransaction.objects.get()
    services.simulated_transaction_decide(transaction_id=txn.pk, outcome="approve", account_name="siti")
    with pytest.raises(services.SimulatorError):
        services.simulated_transaction_settle(seller_ex_order_no=txn.seller_ex_order_no, code="51")
    with pytest.raises(services.SimulatorError):
        services.simulated_transaction_settle(fpx_txn_id=txn.fpx_txn_id, code="09")
    assert SimulatedTransaction.objects.get().debit_auth_code == "00"
