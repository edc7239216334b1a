"""Audit (issue 5): the receipt email leaves only once the settlement commits; a deployment points at PayNet's
host (URLs, seller ids, keys, certificates) by configuration alone, and production serves no simulator."""

import subprocess
import sys

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from matrix.notifications.models import OutboxMessage
from matrix.payments.fpx import checksum, client
from matrix.payments.fpx.messages import BankOption, form_parse, message_signed
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_requery, payment_settle
from matrix.payments.services import settle as services
from tests.core.production_env import clean_env, production_env
from tests.payments.fpxkit import ac_fields, body, key_pair_make
from tests.payments.helpers import HostAnswer, contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db

UAT = "https://uat.mepsfpx.com.my/FPXMain"
PAYNET = {
    "FPX_AR_URL": f"{UAT}/seller2DReceiver.jsp",
    "FPX_BANKLIST_URL": f"{UAT}/RetrieveBankList",
    "FPX_ENQUIRY_URL": f"{UAT}/sellerNVPTxnStatus.jsp",
    "FPX_SELLER_EX_ID": "EX00011982",
    "FPX_SELLER_ID": "SE00013501",
    "FPX_SELLER_BANK_CODE": "01",
}


def _receipt_emails():
    return OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, subject__contains="Receipt")


def test_the_receipt_email_is_queued_on_commit_only(fpx_key, django_capture_on_commit_callbacks, monkeypatch):
    made = []
    original = services.receipt_email_send
    monkeypatch.setattr(services, "receipt_email_send", lambda **kw: (made.append(kw), original(**kw)))
    payment = pending_payment_make()
    fields = ac_fields(payment, key=fpx_key)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PAID
        # Not even the PDF is made while the settlement's transaction is open.
        assert made == [] and not _receipt_emails().exists()
    assert callbacks
    with django_capture_on_commit_callbacks(execute=True):  # email_send itself also sends on commit
        for callback in callbacks:
            callback()
    assert made == [{"payment_id": payment.pk}] and _receipt_emails().count() == 1


def test_no_receipt_email_when_the_settlement_rolls_back(fpx_key, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    fields = ac_fields(payment, key=fpx_key)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
            raise RuntimeError("the outer transaction fails")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.receipt_no is None
    assert not _receipt_emails().exists()


@pytest.fixture
def paynet(settings, monkeypatch):
    for name, value in PAYNET.items():
        setattr(settings, name, value)
    calls = []

    def post(url, data, timeout, headers, stream=False):
        calls.append(url)
        return HostAnswer(paynet.answers[url](data))

    monkeypatch.setattr(client.requests, "post", post)
    paynet.calls = calls
    paynet.answers = {}
    return paynet


def test_payments_go_to_the_configured_paynet_host(paynet, fpx_key, seller_keys, user_client, user, monkeypatch):
    contribution = contribution_for(user)
    # BE goes to the configured bank-list URL with our configured ids; BC is verified with the configured cert.
    paynet.answers[PAYNET["FPX_BANKLIST_URL"]] = lambda data: body(message_signed(
        {"fpx_msgType": "BC", "fpx_msgToken": "01", "fpx_sellerExId": data["fpx_sellerExId"],
         "fpx_bankList": "ABB0233~A,UOB0226~B"}, "BC", fpx_key))
    banks = client.banklist_fetch(use_cache=False)
    assert [(b.code, b.available) for b in banks] == [("ABB0233", True), ("UOB0226", False)]
    assert paynet.calls == [PAYNET["FPX_BANKLIST_URL"]]

    # The browser posts the AR to PayNet's AR URL, with our seller ids, signed with the configured key.
    monkeypatch.setattr(client, "banklist_fetch", lambda **kw: [BankOption("ABB0233", "Affin Bank", True)])
    user_client.post(reverse("payments:pay_now", args=[contribution.pk]), {"method": "B2C", "acknowledge": "on"})
    response = user_client.post(reverse("payments:select_bank", args=[contribution.pk]), {"bank": "ABB0233"})
    html = response.content.decode()
    assert f'action="{PAYNET["FPX_AR_URL"]}"' in html and "/fpx-simulator/" not in html
    assert "form-action 'self' https:" in response["Content-Security-Policy"]
    payment = Payment.objects.get()
    assert f'name="fpx_sellerExId" value="{PAYNET["FPX_SELLER_EX_ID"]}"' in html
    assert f'name="fpx_sellerId" value="{PAYNET["FPX_SELLER_ID"]}"' in html
    ar = FpxMessage.objects.get(channel=FpxMessage.Channel.AR)
    assert checksum.message_verify(form_parse(ar.body), "AR", [seller_keys.cert], now=timezone.now())

    # AE goes to the configured enquiry URL; the answer settles the payment.
    paynet.answers[PAYNET["FPX_ENQUIRY_URL"]] = lambda data: body(ac_fields(
        payment, key=fpx_key, sellerExId=PAYNET["FPX_SELLER_EX_ID"], sellerId=PAYNET["FPX_SELLER_ID"]))
    payment_requery(payment=payment)
    assert paynet.calls[-1] == PAYNET["FPX_ENQUIRY_URL"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_the_certificate_comes_from_settings(settings, fpx_key, tmp_path):
    """Pointing FPX_CERT_PATHS at another certificate (PayNet's) makes our test FPX's signatures worthless."""
    payment = pending_payment_make(contribution=contribution_for())
    other = key_pair_make(tmp_path, "paynet")
    settings.FPX_CERT_PATHS = [str(other.cert_path)]
    fields = ac_fields(payment, key=fpx_key)
    result = payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    assert not result.accepted
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    fields = ac_fields(payment, key=other.key)
    assert payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT).accepted


def test_production_with_paynet_settings_serves_no_simulator(tmp_path):
    fpx = key_pair_make(tmp_path, "fpx")
    old = key_pair_make(tmp_path, "fpx_old")
    seller = key_pair_make(tmp_path, "seller")
    code = (
        "import django; django.setup(); from django.test import Client; from matrix.payments.fpx import config; "
        "c = Client(HTTP_HOST='matrix.example.gov.my'); "
        "print(c.post('/fpx-simulator/ar/', secure=True).status_code, "
        "c.post('/fpx-simulator/enquiry/', secure=True).status_code); "
        "print(config.ar_url()); print(config.banklist_url()); print(config.enquiry_url()); "
        "s = config.seller(); print(s.ex_id, s.id); print(len(config.certificates())); "
        "print(config.private_key().key_size)"
    )
    env = clean_env(DJANGO_SETTINGS_MODULE="config.django.production", **production_env(
        tmp_path, FPX_PRIVATE_KEY_PATH=str(seller.key_path), FPX_CERT_PATHS=f"{fpx.cert_path},{old.cert_path}",
        **PAYNET))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    lines = result.stdout.strip().splitlines()
    assert lines[-7:] == [
        "404 404", PAYNET["FPX_AR_URL"], PAYNET["FPX_BANKLIST_URL"], PAYNET["FPX_ENQUIRY_URL"],
        f'{PAYNET["FPX_SELLER_EX_ID"]} {PAYNET["FPX_SELLER_ID"]}', "2", "2048",
    ], result.stderr
