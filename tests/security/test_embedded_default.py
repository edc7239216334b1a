"""The embedded default's pages that show everyone's data — the outbox and the FPX simulator's index — answer
only on the machine's own address or to signed-in staff who passed the second factor; the simulated bank's pages
of a payment open only in the browser that posted its AR, so a stranger can neither look at nor approve or
cancel another person's payment."""

import pytest
from django.test import Client
from django.urls import reverse

from matrix.backoffice.models import Role
from matrix.core.localonly import address_is_local
from matrix.fpx_simulator import views
from matrix.fpx_simulator.models import SimulatedTransaction
from tests.backoffice.conftest import make_staff, staff_client
from tests.fpx_simulator.bank_pages import decide, log_in, start
from tests.fpx_simulator.helpers import stub_merchant  # noqa: F401

pytestmark = pytest.mark.django_db

REMOTE = "203.0.113.9"
LOCAL_ONLY_PAGES = ["/dev/outbox/", "/dev/outbox/?kind=sms", "/fpx-simulator/"]


@pytest.mark.parametrize("address, local", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("203.0.113.9", False), ("10.0.0.5", False), ("::ffff:203.0.113.9", False), ("", False), ("localhost", False),
    ("0.0.0.0", False),
])
def test_only_loopback_is_the_machine_itself(address, local):
    assert address_is_local(address) is local


@pytest.mark.parametrize("url", LOCAL_ONLY_PAGES)
def test_a_visitor_from_another_address_finds_nothing(url, user):
    assert Client(REMOTE_ADDR=REMOTE).get(url).status_code == 404
    person = Client(REMOTE_ADDR=REMOTE)
    person.force_login(user)
    assert person.get(url).status_code == 404


@pytest.mark.parametrize("url", LOCAL_ONLY_PAGES)
def test_the_machine_itself_and_verified_staff_see_the_page(url):
    assert Client(REMOTE_ADDR="127.0.0.1").get(url, follow=True).status_code == 200
    assert Client(REMOTE_ADDR="::1").get(url, follow=True).status_code == 200
    officer = make_staff("officer9", Role.OFFICER)
    assert staff_client(officer, Client(REMOTE_ADDR=REMOTE)).get(url, follow=True).status_code == 200
    # A staff password without the second factor is not enough.
    half = Client(REMOTE_ADDR=REMOTE)
    half.force_login(officer.user)
    assert half.get(url).status_code == 404


@pytest.mark.parametrize("url", LOCAL_ONLY_PAGES)
def test_behind_a_proxy_the_client_address_counts_and_cannot_be_forged(settings, url):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    # The proxy runs on the machine (REMOTE_ADDR loopback) and appends the real client last.
    forged = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"127.0.0.1, {REMOTE}")
    assert forged.get(url).status_code == 404
    local = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert local.get(url, follow=True).status_code == 200


def test_the_bank_page_opens_only_in_the_browser_that_started_the_payment(stub_merchant):  # noqa: F811
    owner, stranger = Client(REMOTE_ADDR=REMOTE), Client(REMOTE_ADDR="198.51.100.7")
    _ar, txn, login_url = start(owner)
    cookie = owner.cookies[views.STARTED_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/fpx-simulator/"

    for response in (stranger.get(login_url), stranger.post(login_url, {"username": "x", "password": "y"})):
        assert response.status_code == 403
        assert "This bank page opens only in the browser that started the payment." in response.content.decode()
    # Even with the owner's signed ticket (seen over a shoulder), a stranger cannot approve or cancel.
    ticket = log_in(owner, login_url)
    authorise = reverse("fpx_simulator:bank_authorise", kwargs={"token": txn.bank_token})
    for outcome in ("approve", "cancel", "insufficient_funds"):
        assert stranger.post(authorise, {"ticket": ticket, "outcome": outcome}).status_code == 403
    # A cookie the stranger writes himself is not signed.
    stranger.cookies[views.STARTED_COOKIE] = txn.bank_token
    assert stranger.get(login_url).status_code == 403
    txn.refresh_from_db()
    assert txn.status == SimulatedTransaction.Status.PENDING
    assert not txn.is_final

    decide(owner, txn, ticket, "approve")
    txn.refresh_from_db()
    assert txn.is_final and txn.debit_auth_code == "00"


def test_the_browser_keeps_each_payment_it_started(stub_merchant):  # noqa: F811
    owner = Client(REMOTE_ADDR=REMOTE)
    started = [start(owner) for _ in range(3)]
    for _ar, _txn, login_url in started:
        assert owner.get(login_url).status_code == 200


def test_staff_can_open_any_bank_page_to_settle_it_by_hand(stub_merchant):  # noqa: F811
    _ar, txn, login_url = start(Client(REMOTE_ADDR=REMOTE))
    officer = staff_client(make_staff("officer8", Role.OFFICER), Client(REMOTE_ADDR="198.51.100.8"))
    assert officer.get(login_url).status_code == 200
    assert txn.fpx_txn_id in officer.get(reverse("fpx_simulator:index")).content.decode()


def test_the_refusal_is_in_malay_too(stub_merchant, settings):  # noqa: F811
    _ar, _txn, login_url = start(Client(REMOTE_ADDR=REMOTE))
    stranger = Client(REMOTE_ADDR="198.51.100.7")
    stranger.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    body = stranger.get(login_url).content.decode()
    assert "Halaman bank ini dibuka hanya dalam pelayar yang memulakan pembayaran." in body
