"""The person's pages (PAY NOW, PAY WITH FPX, PAYMENT DETAILS, receipt) and FPX's two callback URLs."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader

from matrix.payments.fpx import client
from matrix.payments.fpx.exceptions import GatewayError
from matrix.payments.fpx.messages import BankOption, message_signed
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from tests.factories import user_make
from tests.payments.fpxkit import UAT_CERT, VECTORS, ac_fields, body
from tests.payments.helpers import HostAnswer, aged, contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db

BANKS = [BankOption("ABB0233", "Affin Bank", True), BankOption("UOB0226", "UOB Bank", False),
         BankOption("TEST0021", "TEST0021", True)]


@pytest.fixture
def banks(monkeypatch):
    monkeypatch.setattr(client, "banklist_fetch", lambda **kw: BANKS)
    return BANKS


@pytest.fixture
def contribution(user):
    return contribution_for(user)


def settle(payment, key, code="00"):
    fields = ac_fields(payment, key=key, code=code)
    return payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)


def test_pay_now_page(user_client, contribution):
    response = user_client.get(reverse("payments:pay_now", args=[contribution.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("PAY NOW", "RM 77.60", "I acknowledge that I have read and agree to the above Terms and Conditions",
                 "Internet Banking", "Back", "Pay with FPX", "FPX Operating Hours: 24x7", "<svg"):
        assert text in html
    assert reverse("payments:pay_now", args=[contribution.pk]) == f"/payments/contribution/{contribution.pk}/pay/"


def test_pay_now_needs_the_acknowledgement(user_client, contribution):
    url = reverse("payments:pay_now", args=[contribution.pk])
    response = user_client.post(url, {"method": "B2C"})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    response = user_client.get(reverse("payments:select_bank", args=[contribution.pk]))
    assert response.status_code == 302 and response.url == url
    response = user_client.post(url, {"method": "B2C", "acknowledge": "on"})
    assert response.status_code == 302 and response.url == reverse("payments:select_bank", args=[contribution.pk])


def _acknowledged(client_, contribution):
    client_.post(reverse("payments:pay_now", args=[contribution.pk]), {"method": "B2C", "acknowledge": "on"})
    return reverse("payments:select_bank", args=[contribution.pk])


def test_select_bank_lists_banks_with_offline_ones_disabled(user_client, contribution, banks):
    response = user_client.get(_acknowledged(user_client, contribution))
    html = response.content.decode()
    assert response.status_code == 200 and "Select Bank" in html and "PAY WITH FPX" in html
    assert '<option value="ABB0233">Affin Bank</option>' in html
    assert '<option value="UOB0226" disabled>UOB Bank (Offline)</option>' in html
    assert '<option value="TEST0021">TEST0021</option>' in html


def test_select_bank_refuses_an_offline_bank(user_client, contribution, banks):
    url = _acknowledged(user_client, contribution)
    response = user_client.post(url, {"bank": "UOB0226"})
    assert response.status_code == 200 and "Select a bank that is online." in response.content.decode()
    assert not Payment.objects.exists()


def test_choosing_a_bank_opens_a_payment_and_posts_the_ar(user_client, contribution, banks):
    url = _acknowledged(user_client, contribution)
    response = user_client.post(url, {"bank": "ABB0233"})
    html = response.content.decode()
    payment = Payment.objects.get()
    assert response.status_code == 200 and payment.status == Payment.Status.PENDING
    assert 'action="/fpx-simulator/ar/"' in html and "data-autosubmit" in html
    assert "payments/autosubmit.js" in html and "Continue to your bank" in html
    assert f'name="fpx_sellerExOrderNo" value="{payment.seller_ex_order_no}"' in html
    ar_form = html.split("data-autosubmit")[1].split("</form>")[0]  # the form the browser posts to FPX
    assert 'name="fpx_checkSum"' in html and "csrfmiddlewaretoken" not in ar_form
    # The order is frozen while the person is at the bank: a second submit (a double click, whose second
    # answer is the one the browser shows) starts nothing new and gets the same signed AR, so it reaches the bank.
    again = user_client.post(url, {"bank": "ABB0233"})
    assert again.status_code == 200 and Payment.objects.count() == 1
    assert _ar_fields(again) == _ar_fields(response)
    assert user_client.get(reverse("payments:pay_now", args=[contribution.pk])).url == reverse(
        "payments:detail", args=[payment.pk])


def _ar_fields(response) -> dict[str, str]:
    """The hidden fields of the form that posts the AR to FPX."""
    import re

    html = response.content.decode().split("data-autosubmit")[1]
    return dict(re.findall(r'<input type="hidden" name="(fpx_\w+)" value="([^"]*)">', html))


def test_a_repeated_submit_after_the_terms_were_used_still_gets_the_same_ar(user_client, contribution, banks):
    """The first submit used up the acknowledgement of the terms; the second (a double click) must not be sent
    back to PAY NOW and from there to PAYMENT DETAILS of an attempt whose AR was never posted."""
    url = _acknowledged(user_client, contribution)
    first = user_client.post(url, {"bank": "ABB0233"})
    second = user_client.post(url, {"bank": "ABB0233"})
    third = user_client.post(url, {"bank": "TEST0021"})  # another bank: the frozen order is kept
    assert first.status_code == second.status_code == third.status_code == 200
    fields = _ar_fields(first)
    assert fields["fpx_sellerExOrderNo"] and fields["fpx_buyerBankId"] == "ABB0233"
    assert _ar_fields(second) == fields and _ar_fields(third) == fields
    assert Payment.objects.count() == 1


def test_select_bank_without_the_terms_and_without_an_attempt_goes_to_pay_now(user_client, contribution, banks):
    url = reverse("payments:select_bank", args=[contribution.pk])
    response = user_client.post(url, {"bank": "ABB0233"})
    assert response.status_code == 302 and response.url == reverse("payments:pay_now", args=[contribution.pk])
    assert not Payment.objects.exists()


def test_select_bank_when_fpx_is_down(user_client, contribution, monkeypatch):
    def down(**kw):
        raise GatewayError("down")

    monkeypatch.setattr(client, "banklist_fetch", down)
    response = user_client.get(_acknowledged(user_client, contribution))
    assert response.status_code == 503 and "FPX is not available" in response.content.decode()


def test_banklist_fetch_signs_be_verifies_bc_and_caches(monkeypatch, fpx_key, seller_keys, settings):
    from django.utils import timezone

    from matrix.payments.fpx import checksum

    settings.PORTAL_BASE_URL = "http://portal.test"
    calls = []

    def post(url, data, timeout, headers, stream=False):
        calls.append((url, data))
        assert checksum.message_verify(data, "BE", [seller_keys.cert], now=timezone.now())
        bc = message_signed({"fpx_msgType": "BC", "fpx_msgToken": "01", "fpx_sellerExId": data["fpx_sellerExId"],
                             "fpx_bankList": "ABB0233~A,UOB0226~B"}, "BC", fpx_key)
        return HostAnswer(body(bc) + "\n")

    monkeypatch.setattr(client.requests, "post", post)
    banks = client.banklist_fetch()
    assert [(b.code, b.name, b.available) for b in banks] == [("ABB0233", "Affin Bank", True),
                                                              ("UOB0226", "UOB Bank", False)]
    assert client.banklist_fetch() == banks and len(calls) == 1
    assert calls[0][0] == "http://portal.test/fpx-simulator/banklist/"


def test_banklist_fetch_refuses_an_unsigned_answer(monkeypatch):
    answer = HostAnswer(b"fpx_msgType=BC&fpx_msgToken=01&fpx_bankList=ABB0233~A&fpx_checkSum=00")
    monkeypatch.setattr(client.requests, "post", lambda *a, **kw: answer)
    with pytest.raises(GatewayError):
        client.banklist_fetch()


def test_owner_only(client, contribution, fpx_key, other_user):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key)
    client.force_login(other_user)
    for url in (reverse("payments:pay_now", args=[contribution.pk]),
                reverse("payments:select_bank", args=[contribution.pk]),
                reverse("payments:detail", args=[payment.pk]),
                reverse("payments:receipt", args=[payment.pk])):
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_login(client, contribution):
    response = client.get(reverse("payments:pay_now", args=[contribution.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_detail_pending(user_client, contribution):
    payment = pending_payment_make(contribution=contribution)
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "FPX transaction is in progress. Please retry after 60 minutes." in html
    assert "Pay Again" not in html and "Download Receipt" not in html


def test_detail_failed_shows_reason_and_pay_again(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key, code="51")
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "Failed" in html and "Insufficient Funds" in html and "Please proceed to make another payment." in html
    assert reverse("payments:pay_now", args=[contribution.pk]) in html and "Pay Again" in html


def test_detail_paid(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key)
    payment.refresh_from_db()
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    for text in ("PAYMENT DETAILS", "Paid", payment.receipt_no, "2512271635080001", "Portal MATRIX - FPX",
                 "RM 232.80", "4 Month(s)", "Affin Bank", "RM 77.60",
                 contribution.registration.person.self_employed_code,
                 "INFORMATION TECHNOLOGY", "Download Receipt", reverse("payments:receipt", args=[payment.pk])):
        assert text in html, text
    # A paid contribution cannot be paid again: PAY NOW leads to the paid payment.
    response = user_client.get(reverse("payments:pay_now", args=[contribution.pk]))
    assert response.url == reverse("payments:detail", args=[payment.pk])


def test_detail_queues_the_enquiry_and_never_waits_for_fpx(user_client, contribution, monkeypatch, settings,
                                                            django_capture_on_commit_callbacks):
    """PAYMENT DETAILS of an old Pending payment queues the AE (after commit) and shows what is known: Pending,
    never a false Failed. No enquiry leaves during the request, and reloading does not queue it again."""
    from matrix.payments import tasks

    settings.FPX_REQUERY_AFTER_SECONDS = 900
    payment = aged(pending_payment_make(contribution=contribution), 1000)
    queued, asked = [], []
    monkeypatch.setattr(tasks.payment_requery_one, "delay", lambda payment_id: queued.append(payment_id))
    monkeypatch.setattr(client, "enquiry_send", lambda fields: asked.append(fields))
    url = reverse("payments:detail", args=[payment.pk])
    with django_capture_on_commit_callbacks(execute=True):
        html = user_client.get(url).content.decode()
    assert queued == [payment.pk] and asked == []
    assert "Pending" in html and "Failed" not in html and "unsuccessful" not in html
    assert "your cover starts from the time your bank approved it; we are confirming it with FPX" in html
    with django_capture_on_commit_callbacks(execute=True):
        user_client.get(url)
    assert queued == [payment.pk] and asked == []


def test_detail_does_not_queue_an_enquiry_for_a_young_payment(user_client, contribution, monkeypatch, settings,
                                                              django_capture_on_commit_callbacks):
    from matrix.payments import tasks

    settings.FPX_REQUERY_AFTER_SECONDS = 900
    payment = pending_payment_make(contribution=contribution)
    queued = []
    monkeypatch.setattr(tasks.payment_requery_one, "delay", lambda payment_id: queued.append(payment_id))
    with django_capture_on_commit_callbacks(execute=True):
        user_client.get(reverse("payments:detail", args=[payment.pk]))
    assert queued == []


def _continue_form(payment) -> str:
    return f'action="{reverse("payments:continue", args=[payment.pk])}"'


def test_detail_of_an_unanswered_attempt_offers_continue_to_your_bank(user_client, contribution):
    payment = pending_payment_make(contribution=contribution)
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "Continue to your bank" in html and _continue_form(payment) in html and "Pay Again" not in html
    assert "as far as we know no money has been taken" in html
    # Continue to your bank posts the same AR again (a POST: the page that sends the person to FPX).
    assert user_client.get(reverse("payments:continue", args=[payment.pk])).status_code == 405
    response = user_client.post(reverse("payments:continue", args=[payment.pk]))
    assert response.status_code == 200 and "data-autosubmit" in response.content.decode()
    sent = FpxMessage.objects.filter(payment=payment, channel=FpxMessage.Channel.AR).order_by("pk")
    assert len(sent) == 2 and sent[0].body == sent[1].body
    assert _ar_fields(response)["fpx_sellerExOrderNo"] == payment.seller_ex_order_no
    assert Payment.objects.filter(contribution=contribution).count() == 1


def test_detail_of_an_attempt_fpx_answered_pending_offers_nothing(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key, code="09")
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "Pending" in html and "money may have been taken" in html and "Please do not pay again" in html
    assert "Continue to your bank" not in html and "Pay Again" not in html
    response = user_client.post(reverse("payments:continue", args=[payment.pk]))
    assert response.status_code == 302 and response.url == reverse("payments:detail", args=[payment.pk])
    assert FpxMessage.objects.filter(payment=payment, channel=FpxMessage.Channel.AR).count() == 1


def test_an_expired_unanswered_attempt_offers_pay_again_which_closes_it(user_client, contribution, banks, settings):
    settings.FPX_AR_VALIDITY_SECONDS = 1800
    stale = aged(pending_payment_make(contribution=contribution), 1801)
    html = user_client.get(reverse("payments:detail", args=[stale.pk])).content.decode()
    assert "Pay Again" in html and "Continue to your bank" not in html and "no money was taken" in html
    response = user_client.post(reverse("payments:continue", args=[stale.pk]))  # too late to continue
    assert response.status_code == 302
    assert "This payment request has expired" in user_client.get(response.url).content.decode()

    pay_now = user_client.get(reverse("payments:pay_now", args=[contribution.pk]))
    assert pay_now.status_code == 200 and "PAY NOW" in pay_now.content.decode()
    response = user_client.post(_acknowledged(user_client, contribution), {"bank": "ABB0233"})
    assert response.status_code == 200
    stale.refresh_from_db()
    new = Payment.objects.get(status=Payment.Status.PENDING)
    assert stale.status == Payment.Status.FAILED and new.pk != stale.pk
    assert _ar_fields(response)["fpx_sellerExOrderNo"] == new.seller_ex_order_no
    html = user_client.get(reverse("payments:detail", args=[stale.pk])).content.decode()
    assert "no answer from FPX before the payment request expired" in html and "Pay Again" not in html


def test_detail_of_a_payment_that_needs_attention_lets_the_person_pay_again(user_client, contribution):
    payment = pending_payment_make(contribution=contribution)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.NEEDS_ATTENTION,
                                                 attention_reason="pending for 3 days")
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "PERKESO is checking this payment" in html and "Pay Again" in html
    assert "Continue to your bank" not in html and "unsuccessful" not in html
    assert user_client.get(reverse("payments:pay_now", args=[contribution.pk])).status_code == 200


@pytest.fixture
def rate_ended(contribution):
    """The contribution's plan row (its rate) ended yesterday."""
    from matrix.core.kltime import kl_now
    from matrix.reference.models import Plan

    yesterday = kl_now().date() - datetime.timedelta(days=1)
    Plan.objects.filter(pk=contribution.plan_id).update(effective_from=yesterday - datetime.timedelta(days=400),
                                                        effective_to=yesterday)
    return contribution


RATE_CHANGED = "The contribution rate of this plan has changed"


def test_pay_now_refuses_a_contribution_whose_rate_is_no_longer_in_force(user_client, rate_ended, banks):
    contribution = rate_ended
    response = user_client.get(reverse("payments:pay_now", args=[contribution.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and RATE_CHANGED in html and "cancel this contribution" in html
    assert f'href="{reverse("contributions:detail", args=[contribution.pk])}"' in html and "View Contribution" in html
    assert "Pay with FPX" not in html
    url = reverse("payments:pay_now", args=[contribution.pk])
    posted = user_client.post(url, {"method": "B2C", "acknowledge": "on"})
    assert RATE_CHANGED in posted.content.decode()
    html = user_client.get(url, HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "Kadar caruman" in html and RATE_CHANGED not in html
    # The bank form cannot start it either (the terms were acknowledged while the rate was in force).
    session = user_client.session
    session[f"payments:terms:{contribution.pk}"] = True
    session.save()
    response = user_client.post(reverse("payments:select_bank", args=[contribution.pk]), {"bank": "ABB0233"})
    assert response.status_code == 302 and not Payment.objects.exists()
    assert RATE_CHANGED in user_client.get(response.url).content.decode()


def test_detail_of_a_failed_payment_whose_rate_ended_offers_no_pay_again(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key, code="51")
    from matrix.core.kltime import kl_now
    from matrix.reference.models import Plan

    yesterday = kl_now().date() - datetime.timedelta(days=1)
    Plan.objects.filter(pk=contribution.plan_id).update(effective_from=yesterday - datetime.timedelta(days=400),
                                                        effective_to=yesterday)
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert RATE_CHANGED in html and "Pay Again" not in html


def test_receipt_download(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    assert user_client.get(reverse("payments:receipt", args=[payment.pk])).status_code == 404  # not paid yet
    settle(payment, fpx_key)
    payment.refresh_from_db()
    response = user_client.get(reverse("payments:receipt", args=[payment.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="receipt-{payment.receipt_no}.pdf"' in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert payment.receipt_no in text and "RM 77.60" in text


def test_staff_with_permission_may_download_a_receipt(client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key)
    staff = user_make(is_staff=True)
    client.force_login(staff)
    url = reverse("payments:receipt", args=[payment.pk])
    assert client.get(url).status_code == 404
    staff.user_permissions.add(Permission.objects.get(codename="view_payment", content_type__app_label="payments"))
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission cache
    client.force_login(staff)
    assert client.get(url).status_code == 200


# --- FPX's callbacks ------------------------------------------------------------------------------------------

VECTOR = json.loads((VECTORS / "messages" / "ac_20210619_direct_approved_1.00.json").read_text())


@pytest.fixture
def vector_order(settings):
    settings.FPX_CERT_PATHS = [str(UAT_CERT)]
    settings.FPX_SELLER_EX_ID = "EX00011982"
    settings.FPX_SELLER_ID = "SE00013501"
    contribution = contribution_for()
    return Payment.objects.create(
        contribution=contribution, seller_ex_order_no="20210619094956", seller_order_no="20210619094956",
        seller_txn_time="20210619094956", amount=Decimal("1.00"),
    )


def test_direct_view_settles_from_the_raw_body_of_a_vector(client, vector_order):
    url = reverse("payments:fpx_direct")
    assert url == "/payments/fpx/direct/"
    with time_machine.travel(datetime.datetime(2021, 6, 19, 8, 0, tzinfo=datetime.UTC), tick=False):
        response = client.post(url, VECTOR["form_body"], content_type="application/x-www-form-urlencoded",
                               REMOTE_ADDR="192.0.2.7")
        again = client.post(url, VECTOR["form_body"], content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.content) == (200, b"OK")
    assert (again.status_code, again.content) == (200, b"OK")
    vector_order.refresh_from_db()
    assert vector_order.status == Payment.Status.PAID and vector_order.fpx_txn_id == "2106191550270891"
    log = FpxMessage.objects.filter(channel=FpxMessage.Channel.AC_DIRECT).first()
    assert log.body == VECTOR["form_body"] and log.remote_addr == "192.0.2.7" and log.signature_valid


def test_direct_view_answers_nok_to_a_forged_message(client, vector_order):
    forged = VECTOR["form_body"].replace("fpx_txnAmount=1.00", "fpx_txnAmount=2.00")
    with time_machine.travel(datetime.datetime(2021, 6, 19, 8, 0, tzinfo=datetime.UTC), tick=False):
        response = client.post(reverse("payments:fpx_direct"), forged,
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and response.content == b"NOK"
    vector_order.refresh_from_db()
    assert vector_order.status == Payment.Status.PENDING
    assert FpxMessage.objects.get().signature_valid is False


def test_direct_view_needs_post_and_no_csrf_token(client):
    assert client.get(reverse("payments:fpx_direct")).status_code == 405
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("payments:fpx_direct"), "x=1",
                       content_type="application/x-www-form-urlencoded").status_code == 400


def test_indirect_view_settles_and_shows_the_details(user_client, contribution, fpx_key):
    payment = pending_payment_make(contribution=contribution)
    raw = body(ac_fields(payment, key=fpx_key, code="BC"))
    response = user_client.post(reverse("payments:fpx_indirect"), raw,
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302 and response.url == reverse("payments:detail", args=[payment.pk])
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.debit_auth_code == "BC"
    html = user_client.get(response.url).content.decode()
    assert "Cancelled By Customer" in html


def test_indirect_view_with_an_unknown_order(client, fpx_key):
    from types import SimpleNamespace

    ghost = SimpleNamespace(seller_ex_order_no="GHOST", seller_order_no="GHOST", seller_txn_time="20251227163508",
                            amount=Decimal("77.60"))
    response = client.post(reverse("payments:fpx_indirect"), body(ac_fields(ghost, key=fpx_key)),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "Payment not recognised" in response.content.decode()


def test_pages_in_bahasa_malaysia(client, contribution, fpx_key):
    client.force_login(contribution.registration.person.user)
    html = client.get(reverse("payments:pay_now", args=[contribution.pk]), HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "BAYAR SEKARANG" in html and "Perbankan Internet" in html and "Bayar dengan FPX" in html
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key, code="51")
    html = client.get(reverse("payments:detail", args=[payment.pk]), HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "BUTIRAN PEMBAYARAN" in html and "Baki Tidak Mencukupi" in html and "4 Bulan" in html


def test_malay_catalogue_is_complete():
    from pathlib import Path

    import polib

    import matrix.payments

    po = polib.pofile(str(Path(matrix.payments.__file__).parent / "locale" / "ms" / "LC_MESSAGES" / "django.po"))
    assert len(po) > 100
    assert not po.untranslated_entries() and not po.fuzzy_entries()


def test_detail_of_a_failed_payment_approved_later_shows_it_paid(user_client, contribution, fpx_key):
    """A late approval of an attempt closed as Failed pays the still-unpaid contribution (settlement's rule):
    the page shows Paid with its receipt, and no Pay Again."""
    payment = pending_payment_make(contribution=contribution)
    settle(payment, fpx_key, code="BC")
    assert "Pay Again" in user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    settle(payment, fpx_key, code="00")
    html = user_client.get(reverse("payments:detail", args=[payment.pk])).content.decode()
    assert "Download Receipt" in html and "Pay Again" not in html and 'data-testid="refund-notice"' not in html


def test_detail_of_a_late_approval_after_another_payment_says_it_will_be_refunded(user_client, contribution,
                                                                                   fpx_key):
    first = pending_payment_make(contribution=contribution)
    settle(first, fpx_key, code="BC")
    second = pending_payment_make(contribution=contribution)
    settle(second, fpx_key, code="00")
    settle(first, fpx_key, code="00")  # the bank approves the first after all: the money is owed back
    html = user_client.get(reverse("payments:detail", args=[first.pk])).content.decode()
    assert 'data-testid="refund-notice"' in html and "will be refunded" in html
    assert "Pay Again" not in html


def test_an_expired_bank_list_is_asked_for_once_while_others_show_the_last_verified_one(monkeypatch):
    """A busy minute: the fresh list has expired and one request is asking FPX again; the others show the last
    verified list instead of all asking FPX at once. Without a last list (or once it is too old) they ask too."""
    from django.core.cache import cache

    last = [BankOption("ABB0233", "Affin Bank", True)]
    asked = []
    monkeypatch.setattr(client, "_post", lambda url, fields: asked.append(url) or "")
    cache.set(client.BANKLIST_LAST_KEY, last, client.BANKLIST_LAST_SECONDS)
    assert cache.add(client.BANKLIST_REFRESH_KEY, 1, 60)  # another request is refreshing now
    assert client.banklist_fetch() == last and asked == []

    cache.delete(client.BANKLIST_LAST_KEY)  # nothing recent to show: this request asks FPX itself
    with pytest.raises(GatewayError):
        client.banklist_fetch()
    assert len(asked) == 1


def test_the_refreshing_request_stores_the_list_for_the_others_and_lets_go(monkeypatch):
    from django.core.cache import cache

    fresh = [BankOption("UOB0226", "UOB Bank", True)]
    monkeypatch.setattr(client, "_post", lambda url, fields: "body")
    monkeypatch.setattr(client, "bc_parse", lambda body, **kw: fresh)
    assert client.banklist_fetch() == fresh
    assert cache.get(client.BANKLIST_CACHE_KEY) == fresh and cache.get(client.BANKLIST_LAST_KEY) == fresh
    assert cache.get(client.BANKLIST_REFRESH_KEY) is None

    monkeypatch.setattr(client, "bc_parse", lambda body, **kw: (_ for _ in ()).throw(client.MessageRefused("x")))
    cache.delete(client.BANKLIST_CACHE_KEY)
    with pytest.raises(GatewayError):
        client.banklist_fetch()
    assert cache.get(client.BANKLIST_REFRESH_KEY) is None  # a failed refresh lets the next request try
