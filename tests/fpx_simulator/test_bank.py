"""The bank's pages (any username and password, four outcomes) and the direct AC host-to-host to the merchant:
retried until OK, and delayed, duplicated, reordered or dropped on request."""

import re
import threading

import pytest
from django.urls import reverse

from matrix.fpx_simulator import services
from matrix.payments.fpx import checksum
from tests.concurrency import wait_until
from tests.fpx_simulator.bank_pages import decide, log_in, start
from tests.fpx_simulator.helpers import simulator_signed

pytestmark = pytest.mark.django_db

DIRECT = "/payments/fpx/direct/"
AC_NAMES = {f"fpx_{name}" for name in checksum.AC_FIELDS} | {"fpx_checkSum"}


def form_fields(page: str) -> dict[str, str]:
    import html

    return {name: html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="(fpx_\w+)" '
                                                                      r'value="([^"]*)">', page)}


def test_login_page_is_the_simulated_bank(client, stub_merchant):
    _ar, txn, login_url = start(client)
    page = client.get(login_url).content.decode()
    assert "Maybank2U (FPX simulator)" in page
    assert '<label for="id_username">Username' in page
    assert '<label for="id_password">Password' in page
    assert "Log In" in page
    assert "RM 77.60" in page


def test_login_needs_a_username_and_a_password_of_any_kind(client, stub_merchant):
    _ar, _txn, login_url = start(client)
    response = client.post(login_url, {"username": "", "password": ""})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "Enter your username." in response.content.decode()
    log_in(client, login_url, username="x")


def test_unknown_bank_token_is_404(client):
    assert client.get(reverse("fpx_simulator:bank_login", kwargs={"token": "nope"})).status_code == 404


def test_authorise_page_shows_the_transaction_and_the_four_buttons(client, stub_merchant):
    _ar, txn, login_url = start(client, fpx_txnAmount="39.30")
    page = client.post(login_url, {"username": "ali", "password": "p"}).content.decode()
    assert "RM 39.30" in page
    assert txn.seller_order_no in page
    assert txn.fpx_txn_id in page
    for label in ("Approve", "Insufficient Funds", "Cancel", "Leave Pending"):
        assert f">{label}</button>" in page


def test_approve_sends_the_direct_ac_and_posts_the_indirect_ac(client, stub_merchant):
    ar, txn, login_url = start(client)
    response = decide(client, txn, log_in(client, login_url), "approve")

    page = response.content.decode()
    assert f'action="{stub_merchant.url}/payments/fpx/indirect/"' in page
    assert "data-fpx-autosubmit" in page
    assert "fpx_simulator/autosubmit.js" in page
    assert "Return to merchant" in page
    assert stub_merchant.url in response["Content-Security-Policy"]
    indirect = form_fields(page)
    assert set(indirect) == AC_NAMES
    assert simulator_signed(indirect, "AC")
    assert indirect["fpx_debitAuthCode"] == "00"

    [direct] = stub_merchant.wait_for(DIRECT)
    assert direct.fields == indirect
    assert simulator_signed(direct.fields, "AC")
    assert direct.fields["fpx_msgType"] == "AC"
    assert direct.fields["fpx_sellerExOrderNo"] == ar["fpx_sellerExOrderNo"]
    assert direct.fields["fpx_sellerOrderNo"] == ar["fpx_sellerOrderNo"]
    assert direct.fields["fpx_sellerTxnTime"] == ar["fpx_sellerTxnTime"]
    assert direct.fields["fpx_txnAmount"] == "77.60"
    assert direct.fields["fpx_txnCurrency"] == "MYR"
    assert direct.fields["fpx_buyerBankId"] == "MB2U0227"
    assert direct.fields["fpx_fpxTxnId"] == txn.fpx_txn_id
    assert direct.fields["fpx_creditAuthCode"] == "00"
    assert direct.fields["fpx_buyerName"] == "ALI"
    assert re.fullmatch(r"\d{14}", direct.fields["fpx_fpxTxnTime"])
    txn.refresh_from_db()
    assert (txn.status, txn.debit_auth_code) == ("approved", "00")


@pytest.mark.parametrize(("outcome", "code", "status"), [("insufficient_funds", "51", "failed"),
                                                          ("cancel", "BC", "failed"),
                                                          ("pending", "09", "pending")])
def test_other_outcomes_send_their_code(client, stub_merchant, outcome, code, status):
    _ar, txn, login_url = start(client)
    indirect = form_fields(decide(client, txn, log_in(client, login_url), outcome).content.decode())
    [direct] = stub_merchant.wait_for(DIRECT)
    assert direct.fields["fpx_debitAuthCode"] == indirect["fpx_debitAuthCode"] == code
    assert simulator_signed(direct.fields, "AC")
    assert direct.fields["fpx_creditAuthCode"] == ""
    txn.refresh_from_db()
    assert (txn.status, txn.debit_auth_code) == (status, code)


def test_a_decided_transaction_never_changes(client, stub_merchant):
    _ar, txn, login_url = start(client)
    ticket = log_in(client, login_url)
    decide(client, txn, ticket, "cancel")
    stub_merchant.wait_for(DIRECT)

    again = form_fields(decide(client, txn, ticket, "approve").content.decode())
    assert again["fpx_debitAuthCode"] == "BC"
    assert services.direct_ac_deliveries_join(timeout=30)
    assert len(stub_merchant.posts(DIRECT)) == 1  # no second direct AC for an unchanged transaction
    # Signing in again shows the bank's answer without the buttons and without posting it by itself.
    page = client.post(login_url, {"username": "ali", "password": "p"}).content.decode()
    assert "Payment not successful" in page
    assert "data-fpx-autosubmit" not in page
    assert "Approve" not in page


def test_left_pending_can_be_settled_by_the_buyer_later(client, stub_merchant):
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "pending")
    decide(client, txn, log_in(client, login_url), "approve")
    directs = stub_merchant.wait_for(DIRECT, count=2)
    assert [item.fields["fpx_debitAuthCode"] for item in directs] == ["09", "00"]


def test_settle_hook_can_send_the_direct_ac(client, stub_merchant, django_capture_on_commit_callbacks):
    _ar, txn, login_url = start(client)
    services.simulated_transaction_configure(fpx_txn_id=txn.fpx_txn_id, mode="drop")
    decide(client, txn, log_in(client, login_url), "pending")
    with django_capture_on_commit_callbacks(execute=True):
        services.simulated_transaction_settle(seller_ex_order_no=txn.seller_ex_order_no, code="00",
                                              send_direct_ac=False)
    assert not stub_merchant.posts(DIRECT)

    _ar, txn2, login_url2 = start(client)
    decide(client, txn2, log_in(client, login_url2), "pending")
    stub_merchant.wait_for(DIRECT)
    with django_capture_on_commit_callbacks(execute=True):
        services.simulated_transaction_settle(fpx_txn_id=txn2.fpx_txn_id, code="51", send_direct_ac=True)
    directs = stub_merchant.wait_for(DIRECT, count=2)
    assert [item.fields["fpx_debitAuthCode"] for item in directs] == ["09", "51"]


def test_expired_or_foreign_ticket_sends_back_to_login(client, stub_merchant):
    _ar, txn, login_url = start(client)
    _ar2, txn2, login_url2 = start(client)
    other_ticket = log_in(client, login_url2)
    response = client.post(reverse("fpx_simulator:bank_authorise", kwargs={"token": txn.bank_token}),
                           {"ticket": other_ticket, "outcome": "approve"})
    assert response.status_code == 302
    assert response["Location"] == login_url
    txn.refresh_from_db()
    assert txn.debit_auth_code == ""


def test_unknown_outcome_changes_nothing(client, stub_merchant):
    _ar, txn, login_url = start(client)
    response = client.post(reverse("fpx_simulator:bank_authorise", kwargs={"token": txn.bank_token}),
                           {"ticket": log_in(client, login_url), "outcome": "steal"})
    assert response.status_code == 400
    txn.refresh_from_db()
    assert txn.debit_auth_code == ""


# --- Direct AC delivery --------------------------------------------------------------------------------------

def test_direct_ac_is_retried_until_the_merchant_answers_ok(client, stub_merchant):
    stub_merchant.answers = ["ERROR", "NOT OK", "OK\n"]  # "OK\n" is not exactly OK
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "approve")
    directs = stub_merchant.wait_for(DIRECT, count=4)
    assert [item.answer for item in directs] == ["ERROR", "NOT OK", "OK\n", "OK"]
    assert len({tuple(sorted(item.fields.items())) for item in directs}) == 1
    assert services.direct_ac_deliveries_join(timeout=30)
    assert len(stub_merchant.posts(DIRECT)) == 4


def test_direct_ac_retries_are_capped(client, stub_merchant, settings):
    settings.FPX_SIMULATOR_DIRECT_AC_TRIES = 3
    stub_merchant.answers = ["ERROR"] * 10
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "approve")
    assert services.direct_ac_deliveries_join(timeout=30)
    assert len(stub_merchant.posts(DIRECT)) == 3


def test_unreachable_merchant_gives_up_without_blocking_the_page(client, settings, caplog):
    settings.FPX_SIMULATOR_MERCHANT_BASE_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.FPX_SIMULATOR_DIRECT_AC_TRIES = 2
    settings.FPX_SIMULATOR_DIRECT_AC_BACKOFF_SECONDS = 0.05
    _ar, txn, login_url = start(client)
    services.direct_ac_hold()
    decide(client, txn, log_in(client, login_url), "approve")
    # The page has been answered while its direct AC is still held back: the delivery is not part of the request.
    assert services.direct_ac_deliveries_under_way() == 1
    services.direct_ac_release()
    assert services.direct_ac_deliveries_join(timeout=30)
    assert "not acknowledged after 2 tries" in caplog.text


@pytest.fixture
def pauses(monkeypatch):
    """The delay and reorder modes' wait, replaced: each pause is recorded and lasts until `pauses.end()`, so a
    test sees what the delivery does before and after it, whatever the machine's speed."""

    class Pauses:
        def __init__(self):
            self.asked: list[float] = []
            self.ended = threading.Event()

        def __call__(self, seconds: float) -> None:
            self.asked.append(seconds)
            assert self.ended.wait(60), "pause never ended"

        def end(self) -> None:
            self.ended.set()

    recorder = Pauses()
    monkeypatch.setattr(services, "delivery_pause", recorder)
    yield recorder
    recorder.end()


def test_delay_mode_waits_before_sending(client, stub_merchant, pauses):
    services.simulator_configure(mode="delay", delay=1.0)
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "approve")
    wait_until(lambda: pauses.asked, timeout=30)
    assert pauses.asked == [1.0]
    assert not stub_merchant.posts(DIRECT)  # the delivery is inside its delay: nothing sent yet
    pauses.end()
    assert services.direct_ac_deliveries_join(timeout=30)
    assert len(stub_merchant.posts(DIRECT)) == 1


def test_duplicate_mode_sends_the_same_ac_several_times(client, stub_merchant):
    services.simulator_configure(mode="duplicate", copies=3)
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "approve")
    directs = stub_merchant.wait_for(DIRECT, count=3)
    assert len(directs) == 3
    assert directs[0].fields == directs[1].fields == directs[2].fields
    assert services.direct_ac_deliveries_join(timeout=30)
    assert len(stub_merchant.posts(DIRECT)) == 3


def test_drop_mode_never_sends_the_direct_ac_and_ae_settles(client, stub_merchant):
    from urllib.parse import parse_qsl, urlencode

    from tests.fpx_simulator.helpers import signed_ae

    services.simulator_configure(mode="drop")
    ar, txn, login_url = start(client)
    indirect = form_fields(decide(client, txn, log_in(client, login_url), "approve").content.decode())
    assert indirect["fpx_debitAuthCode"] == "00"
    assert services.direct_ac_deliveries_join(timeout=30)
    assert stub_merchant.posts(DIRECT) == []
    answer = client.post(reverse("fpx_simulator:enquiry"), data=urlencode(signed_ae(ar)),
                         content_type="application/x-www-form-urlencoded")
    assert dict(parse_qsl(answer.content.decode(), keep_blank_values=True))["fpx_debitAuthCode"] == "00"


def test_reorder_mode_sends_the_direct_ac_after_the_indirect_one(client, stub_merchant, pauses):
    """The browser's indirect AC (posted by the answer page as soon as it loads) reaches the merchant first; the
    direct AC follows once the delay is over."""
    import requests

    services.simulator_configure(mode="reorder", delay=0.5)
    _ar, txn, login_url = start(client)
    indirect = form_fields(decide(client, txn, log_in(client, login_url), "approve").content.decode())
    wait_until(lambda: pauses.asked, timeout=30)
    assert pauses.asked == [0.5] and not stub_merchant.posts(DIRECT)
    requests.post(stub_merchant.url + "/payments/fpx/indirect/", data=indirect, timeout=30)  # the browser's post
    pauses.end()
    assert services.direct_ac_deliveries_join(timeout=30)
    assert [item.path for item in stub_merchant.received] == ["/payments/fpx/indirect/", DIRECT]
    browser, direct = stub_merchant.received
    assert direct.fields == browser.fields


def test_per_transaction_mode_overrides_the_simulator_setting(client, stub_merchant):
    services.simulator_configure(mode="duplicate", copies=2)
    _ar, dropped, login_url = start(client)
    services.simulated_transaction_configure(seller_ex_order_no=dropped.seller_ex_order_no, mode="drop")
    decide(client, dropped, log_in(client, login_url), "approve")
    _ar, doubled, login_url = start(client)
    decide(client, doubled, log_in(client, login_url), "approve")
    assert services.direct_ac_deliveries_join(timeout=30)
    assert {item.fields["fpx_fpxTxnId"] for item in stub_merchant.posts(DIRECT)} == {doubled.fpx_txn_id}
    assert len(stub_merchant.posts(DIRECT)) == 2


def test_settings_choose_the_mode_when_nothing_is_configured(client, stub_merchant, settings):
    settings.FPX_SIMULATOR_DIRECT_AC_MODE = "drop"
    _ar, txn, login_url = start(client)
    decide(client, txn, log_in(client, login_url), "approve")
    assert services.direct_ac_deliveries_join(timeout=30)
    assert stub_merchant.posts(DIRECT) == []


def test_configure_refuses_an_unknown_mode():
    with pytest.raises(services.SimulatorError):
        services.simulator_configure(mode="explode")


def test_direct_ac_leaves_only_after_the_answer_page_is_sent(client, stub_merchant, monkeypatch):
    """The delivery thread starts when the server closes the response, never inside the view."""
    started = []
    monkeypatch.setattr(services, "direct_ac_start", lambda plan: started.append(plan))
    from matrix.fpx_simulator import views

    _ar, txn, login_url = start(client)
    ticket = log_in(client, login_url)
    from django.test import RequestFactory

    request = RequestFactory().post(reverse("fpx_simulator:bank_authorise", kwargs={"token": txn.bank_token}),
                                    {"ticket": ticket, "outcome": "approve"})
    request._dont_enforce_csrf_checks = True
    request.COOKIES[views.STARTED_COOKIE] = client.cookies[views.STARTED_COOKIE].value  # this browser started it
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = views.bank_authorise(request, token=txn.bank_token)
    assert response.status_code == 200
    assert started == []
    response.close()
    assert len(started) == 1
    assert started[0].url == stub_merchant.url + DIRECT
    assert started[0].ac["fpx_debitAuthCode"] == "00"


def test_simulator_index_lists_transactions(client, stub_merchant):
    _ar, txn, _login_url = start(client)
    page = client.get(reverse("fpx_simulator:index")).content.decode()
    assert txn.fpx_txn_id in page
    assert reverse("fpx_simulator:bank_login", kwargs={"token": txn.bank_token}) in page


def test_bank_pages_in_bahasa_malaysia(client, stub_merchant):
    _ar, txn, login_url = start(client)
    client.cookies["django_language"] = "ms"
    page = client.get(login_url).content.decode()
    assert 'lang="ms"' in page
    assert "Maybank2U (simulator FPX)" in page
    assert "Nama Pengguna" in page and "Kata laluan" in page and "Log Masuk" in page
    page = client.post(login_url, {"username": "ali", "password": "p"}).content.decode()
    for label in ("Luluskan", "Baki Tidak Mencukupi", "Batal", "Biarkan Belum Selesai"):
        assert f">{label}</button>" in page
