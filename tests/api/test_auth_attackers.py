"""The API's sign-up and login hold what the pages hold (issue 15): sign-up answers alike for every IC number, with
the per-address limit first and the work in the accounts task after the commit; the IC step is limited per address
(one budget with the page) and shows a stable made-up phrase for an unknown IC; past an IC's hourly budget of
tries from every address, the password step asks for the code by SMS (the page's step up), so the owner still
logs in while a guesser learns nothing."""

import json
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.accounts.conf import conf
from matrix.accounts.models import OneTimeCode, OtpPurpose, User
from matrix.api.models import ApiSession
from matrix.notifications.models import Message, OutboxMessage
from tests.accounts.conftest import CommittingClient
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

KNOWN_IC, PENDING_IC, UNKNOWN_IC = "790811087654", "850505145557", "900101149999"
REFUSED = "The code is not correct, has expired or has been used."


def post(client: Client, path: str, body: dict, *, ip: str = "10.9.0.1", key: str | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(f"/api/v1{path}", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip,
                       headers=headers)


def signup_body(id_number: str) -> dict:
    return {"id_type": "MYKAD", "id_number": id_number, "full_name": "AHMAD BIN ALI", "email": "new@example.com",
            "mobile": "010-887 7665", "terms_accepted": True, "captcha_key": "dummy", "captcha_value": "PASSED"}


def _shape(queries) -> list[str]:
    return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+(\.\d+)?\b", "?", query["sql"]) for query in queries]


@pytest.fixture
def people():
    known = user_make(id_number=KNOWN_IC, email="owner@example.com", mobile="60111111111")
    pending = user_make(id_number=PENDING_IC, is_active=False, activated_at=None, secret_phrase="",
                        email="pending@example.com", mobile="60122222222")
    return known, pending


def test_api_sign_up_answers_alike_for_a_new_a_pending_and_a_signed_up_ic(people,
                                                                           django_capture_on_commit_callbacks):
    known, _pending = people
    probes = {}
    for n, ic in enumerate((UNKNOWN_IC, PENDING_IC, KNOWN_IC)):
        messages = Message.objects.count()
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = post(Client(), "/auth/signup", signup_body(ic), ip=f"10.9.1.{n}")
        assert Message.objects.count() == messages, "a message was written inside the request"
        body = response.json()
        probes[ic] = {"status": response.status_code, "keys": sorted(body), "message": body["message"],
                      "token_length": len(body["signup_token"]), "queries": _shape(queries.captured_queries),
                      "callbacks": len(callbacks), "body": body, "run": callbacks}
    first = probes[UNKNOWN_IC]
    for other in (probes[PENDING_IC], probes[KNOWN_IC]):
        for name in ("status", "keys", "message", "token_length", "queries", "callbacks"):
            assert other[name] == first[name], name
    assert first["status"] == 201 and first["callbacks"] == 1
    # After the commit (the accounts task): a code to the new sign-up; the owner of the signed-up IC is emailed.
    with django_capture_on_commit_callbacks(execute=True):
        for probe in probes.values():
            probe["run"][0]()
    assert OutboxMessage.objects.filter(channel="SMS", to="60108877665").count() == 2
    assert OutboxMessage.objects.filter(channel="EMAIL", to=known.email).count() == 1
    assert not OneTimeCode.objects.filter(user=known).exists()
    # The code step refuses alike: no sign-up in progress for the signed-up IC, a wrong code for the new one.
    answers = [post(Client(), "/auth/signup/otp", {"signup_token": probes[ic]["body"]["signup_token"],
                                                   "code": "000000"}) for ic in (UNKNOWN_IC, KNOWN_IC)]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json() == answers[1].json() and REFUSED in answers[0].json()["message"]


def test_api_sign_up_counts_the_address_before_anything_about_the_ic(people, settings):
    settings.ACCOUNTS_OTP_PER_IP_PER_HOUR = "1/h"
    with time_machine.travel(timezone.now(), tick=False):  # one window of the counter
        assert post(Client(), "/auth/signup", signup_body(UNKNOWN_IC)).status_code == 201
        refused = post(Client(), "/auth/signup", signup_body(KNOWN_IC))
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"


def test_api_sign_up_then_the_code_verifies_the_mobile(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token = post(Client(), "/auth/signup", signup_body(UNKNOWN_IC)).json()["signup_token"]
    with django_capture_on_commit_callbacks(execute=True):
        code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(channel="SMS").body).group(1)
        verified = post(Client(), "/auth/signup/otp", {"signup_token": token, "code": code})
    assert verified.status_code == 200, verified.content
    assert User.objects.get(id_number=UNKNOWN_IC).mobile_verified_at is not None


def test_the_ic_step_is_limited_per_address_with_the_page_and_unknown_ics_get_a_stable_phrase(people, settings):
    settings.ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR = "3/h"
    with time_machine.travel(timezone.now(), tick=False):
        page = Client().post("/accounts/login/", {"id_number": "900101145671"}, REMOTE_ADDR="10.9.2.1")
        assert page.status_code == 302
        unknown = post(Client(), "/auth/login/ic", {"id_number": UNKNOWN_IC}, ip="10.9.2.1")
        again = post(Client(), "/auth/login/ic", {"id_number": UNKNOWN_IC}, ip="10.9.2.1")
        refused = post(Client(), "/auth/login/ic", {"id_number": KNOWN_IC}, ip="10.9.2.1")
        elsewhere = post(Client(), "/auth/login/ic", {"id_number": KNOWN_IC}, ip="10.9.2.2")
    assert unknown.status_code == again.status_code == 200
    assert unknown.json()["secret_phrase"] == again.json()["secret_phrase"] != "Kuih lapis on Sunday"
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many IC numbers" in refused.json()["message"]
    assert elsewhere.status_code == 200 and elsewhere.json()["secret_phrase"] == "Kuih lapis on Sunday"


def _login_token(id_number: str, ip: str) -> str:
    return post(CommittingClient(), "/auth/login/ic", {"id_number": id_number}, ip=ip).json()["login_token"]


def _spend_budget(id_number: str) -> None:
    """The IC's hourly budget of tries, each wrong password from another address (django-axes never locks)."""
    for n in range(conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR")):
        ip = f"10.8.0.{n}"
        wrong = post(CommittingClient(), "/auth/login/password", {"login_token": _login_token(id_number, ip),
                                                       "password": f"guess {n}"}, ip=ip)
        assert wrong.status_code == 401


def _sms_code(mobile: str) -> str:
    body = OutboxMessage.objects.filter(channel="SMS", to=mobile).order_by("-pk").first().body
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_past_the_ics_budget_the_owner_logs_in_with_the_code_by_sms(user):
    # Each request runs its on-commit callbacks (CommittingClient), as a real request does.
    _spend_budget(user.id_number)
    # The right password, a wrong one and an unknown IC's all get one answer: 202 and a step-up token.
    answers = {}
    for name, ic, password in (("owner", user.id_number, PASSWORD), ("guesser", user.id_number, "guess"),
                               ("unknown", UNKNOWN_IC, "guess")):
        if name == "unknown":
            _spend_budget(UNKNOWN_IC)
        codes = OneTimeCode.objects.filter(purpose=OtpPurpose.LOGIN).count()
        answers[name] = post(CommittingClient(), "/auth/login/password",
                             {"login_token": _login_token(ic, "10.8.1.1"), "password": password}, ip="10.8.1.1")
        answers[name].sent = OneTimeCode.objects.filter(purpose=OtpPurpose.LOGIN).count() - codes
    shapes = {name: (a.status_code, sorted(a.json()), a.json()["message"], len(a.json()["step_up_token"]))
              for name, a in answers.items()}
    assert shapes["owner"] == shapes["guesser"] == shapes["unknown"] and shapes["owner"][0] == 202
    assert [answers[name].sent for name in ("owner", "guesser", "unknown")] == [1, 0, 0]
    malay = CommittingClient().post(
        "/api/v1/auth/login/password", json.dumps({"login_token": _login_token(UNKNOWN_IC, "10.8.1.2"),
                                                   "password": "guess"}),
        content_type="application/json", REMOTE_ADDR="10.8.1.2", HTTP_ACCEPT_LANGUAGE="ms")
    assert malay.status_code == 202 and malay.json()["message"].startswith("Demi keselamatan anda")
    assert not ApiSession.objects.exists()

    # The step up keeps no state on the server (another worker, or a cleared cache, takes the code just the same).
    cache.clear()
    code = _sms_code(user.mobile)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    guesser = post(CommittingClient(), "/auth/login/code",
                   {"step_up_token": answers["guesser"].json()["step_up_token"], "code": code})
    owner_token = answers["owner"].json()["step_up_token"]
    refused = post(CommittingClient(), "/auth/login/code", {"step_up_token": owner_token, "code": wrong})
    assert guesser.status_code == refused.status_code == 422
    assert guesser.json() == refused.json() and REFUSED in refused.json()["message"]
    assert not ApiSession.objects.exists()

    logged_in = post(CommittingClient(), "/auth/login/code", {"step_up_token": owner_token, "code": code}, key="code-1")
    assert logged_in.status_code == 200, logged_in.content
    assert ApiSession.objects.get().user == user and logged_in.json()["access_token"]
    again = post(CommittingClient(), "/auth/login/code", {"step_up_token": owner_token, "code": code})
    assert again.status_code == 422  # the step up is used up with its code


def test_a_forged_or_expired_step_up_token_asks_for_the_ic_again(user):
    forged = post(CommittingClient(), "/auth/login/code", {"step_up_token": "x", "code": "123456"})
    assert forged.status_code == 422 and forged.json()["code"] == "login_expired"


def test_the_step_up_is_in_the_openapi_document(api):
    document = api.get("/openapi.json").json()
    password = document["paths"]["/api/v1/auth/login/password"]["post"]["responses"]
    assert "202" in password and "200" in password
    assert "/api/v1/auth/login/code" in document["paths"]
