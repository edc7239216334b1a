"""Issue 9 item 6: a whole journey (sign-up with the OTP, activation, a wrong then a right password, paying
through the FPX simulator) with every logger at DEBUG, through the portal's own log formatters: no line holds the
IC number, the OTP, the password or the activation token, and the lines of a request carry its id."""

import html
import io
import json
import logging
import re
from urllib.parse import urlencode

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from matrix.core.logging import JsonFormatter, PlainFormatter, RequestIdFilter
from matrix.payments.fpx import client as fpx_client
from matrix.payments.fpx.messages import BankOption
from matrix.payments.models import Payment
from tests.accounts.helpers import IC, PASSWORD, activate, link_path, outbox_code, outbox_link, signup_data
from tests.payments.fpxkit import key_pair_make
from tests.payments.helpers import contribution_for

pytestmark = pytest.mark.django_db

LOUD_LOGGERS = ["", "matrix", "django", "django.request", "django.security", "axes", "celery", "py.warnings"]


class CommittingClient(Client):
    """Each request runs its on-commit work (the SMS and email), as a real request does."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def fpx_keys(settings, tmp_path):
    seller = key_pair_make(tmp_path, "seller")
    simulator = key_pair_make(tmp_path, "simulator")
    settings.FPX_SIMULATOR_ENABLED = True
    settings.FPX_PRIVATE_KEY_PATH = str(seller.key_path)
    settings.FPX_SIMULATOR_SELLER_CERT_PATH = str(seller.cert_path)
    settings.FPX_SIMULATOR_PRIVATE_KEY_PATH = str(simulator.key_path)
    settings.FPX_CERT_PATHS = [str(simulator.cert_path)]
    settings.FPX_AR_URL = ""
    settings.FPX_SIMULATOR_DIRECT_AC_MODE = "drop"  # the browser's indirect AC settles it in this test


@pytest.fixture
def captured_logs():
    """Everything logged, at DEBUG, as the production (JSON) and development (plain) handlers write it."""
    stream = io.StringIO()
    handlers = []
    for formatter in (JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"),
                      PlainFormatter("%(levelname)s %(name)s [%(request_id)s] %(message)s")):
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.DEBUG)
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(formatter)
        handlers.append(handler)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in LOUD_LOGGERS}
    for name in LOUD_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield stream
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _hidden_fields(page: str) -> dict[str, str]:
    return {name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="(fpx_\w+)" value="([^"]*)">', page)}


def test_a_whole_journey_logs_no_ic_number_code_password_or_token(captured_logs, fpx_keys, monkeypatch):
    browser = CommittingClient()
    logging.getLogger("matrix.tests").info("journey starts for %s", IC)  # the filter is really in the path

    # Sign up, verify the mobile with the OTP, open the activation link, choose a password.
    assert browser.post("/accounts/signup/", signup_data()).status_code == 302
    code = outbox_code()
    assert browser.post("/accounts/signup/verify/", {"code": "000000" if code != "000000" else "111111"}
                        ).status_code == 200  # a wrong code first
    assert browser.post("/accounts/signup/verify/", {"code": code}).status_code == 302
    link = outbox_link()
    token = link_path(link).rstrip("/").rsplit("/", 1)[-1]
    assert activate(browser, link).status_code == 302

    # Log in: a wrong password (django-axes logs the failure), then the right one.
    browser.post("/accounts/login/", {"id_number": IC})
    assert browser.post("/accounts/login/password/", {"password": "not my password at all"}).status_code == 200
    browser.post("/accounts/login/", {"id_number": IC})
    assert browser.post("/accounts/login/password/", {"password": PASSWORD}).status_code == 302
    assert browser.get(reverse("accounts:mode")).status_code == 200

    # Pay a contribution through the simulator: PAY NOW, a bank, the AR, the bank's pages, the indirect AC.
    from matrix.accounts.models import User

    user = User.objects.get(id_number=IC)
    contribution = contribution_for(user)
    monkeypatch.setattr(fpx_client, "banklist_fetch", lambda **kw: [BankOption("ABB0233", "Affin Bank", True)])
    browser.post(reverse("payments:pay_now", args=[contribution.pk]), {"method": "B2C", "acknowledge": "on"})
    page = browser.post(reverse("payments:select_bank", args=[contribution.pk]), {"bank": "ABB0233"})
    ar = _hidden_fields(page.content.decode())
    response = browser.post(reverse("fpx_simulator:ar"), ar)
    login_url = response["Location"]
    page = browser.post(login_url, {"username": "ali", "password": "bank password 1"}).content.decode()
    ticket = re.search(r'name="ticket" value="([^"]+)"', page).group(1)
    bank_token = re.search(r"/bank/([^/]+)/", login_url).group(1)
    page = browser.post(reverse("fpx_simulator:bank_authorise", kwargs={"token": bank_token}),
                        {"ticket": ticket, "outcome": "approve"}).content.decode()
    # As a browser posts a form: urlencoded (the AC's checksum covers the values as sent).
    response = browser.post(reverse("payments:fpx_indirect"), urlencode(_hidden_fields(page)),
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 302)
    assert Payment.objects.get(contribution=contribution).status == Payment.Status.PAID

    output = captured_logs.getvalue()
    assert "journey starts for" in output and len(output.splitlines()) > 10, output[:2000]
    secrets = {"IC": IC, "IC with dashes": "790811-08-7654", "OTP": code, "password": PASSWORD,
               "wrong password": "not my password at all", "bank password": "bank password 1", "token": token}
    for what, secret in secrets.items():
        assert secret not in output, f"the {what} is in the logs"
    # Redaction keeps every JSON line valid JSON, and the lines of requests carry a request id.
    request_ids = {json.loads(line)["request_id"] for line in output.splitlines() if line.startswith("{")}
    assert request_ids - {"-"}
