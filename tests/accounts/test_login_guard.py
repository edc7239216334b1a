"""Password guessing bounded per IC number across every address (matrix/accounts/login_guard.py), the IC-step
look-ups per address, and guessing of email link tokens per address."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.accounts.conf import conf
from matrix.accounts.models import LoginAttempt, OneTimeCode, OtpPurpose
from matrix.accounts.services import password_reset_start
from matrix.notifications.models import OutboxMessage
from tests.accounts.helpers import outbox_code
from tests.concurrency import race
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
STEP2 = "/accounts/login/password/"
CODE = "/accounts/login/code/"
WRONG = "The IC number or password is not correct."
REFUSED = "The code is not correct, has expired or has been used."
UNKNOWN_IC = "850505145555"


def _spend_budget(client, id_number: str, *, first_address: int = 0) -> None:
    """Ten wrong passwords for `id_number`, each from another address (django-axes never sees two from one)."""
    client.post(LOGIN, {"id_number": id_number}, REMOTE_ADDR="10.0.0.1")
    for n in range(conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR")):
        html = client.post(STEP2, {"password": f"guess {n}"}, REMOTE_ADDR=f"10.1.{first_address}.{n}").content
        assert WRONG in html.decode()


def test_ten_wrong_passwords_from_ten_addresses_then_the_right_one_needs_a_code(client, user):
    _spend_budget(client, user.id_number)
    # The owner is told, once, by SMS and by email.
    notices = OutboxMessage.objects.filter(to__in=[user.mobile, user.email])
    assert sorted(notices.values_list("channel", flat=True)) == ["EMAIL", "SMS"]
    assert "10 wrong passwords" in notices.get(channel="SMS").body
    assert "Your account is not locked" in notices.get(channel="EMAIL").body
    # The right password from an eleventh address does not log in: the code page, and a code to the owner's phone.
    response = client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.2.0.1")
    assert (response.status_code, response["Location"]) == (302, CODE)
    assert "_auth_user_id" not in client.session
    html = client.get(CODE).content.decode()
    assert "Log In - Code Verification" in html and "Many wrong passwords" in html
    code = outbox_code(user.mobile)
    assert OneTimeCode.objects.get(user=user, purpose=OtpPurpose.LOGIN).closed_at is None
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert REFUSED in client.post(CODE, {"code": wrong}).content.decode()
    response = client.post(CODE, {"code": code}, REMOTE_ADDR="10.2.0.1")
    assert (response.status_code, response["Location"]) == (302, "/accounts/mode/")
    assert client.session["_auth_user_id"] == str(user.pk)
    # More tries in the hour tell the owner nothing new.
    assert OutboxMessage.objects.filter(to__in=[user.mobile, user.email]).exclude(body__contains=code).count() == 2


def test_past_the_budget_a_right_and_a_wrong_password_and_an_unknown_ic_look_alike(
    make_client, user, committed, django_capture_on_commit_callbacks
):
    known, unknown = make_client(), make_client()
    _spend_budget(known, user.id_number)
    _spend_budget(unknown, UNKNOWN_IC, first_address=1)

    def step_up(client, password, address):
        plain = Client()  # on-commit callbacks are captured, not run: nothing leaves inside the request
        plain.cookies = client.cookies
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks() as callbacks:
            response = plain.post(STEP2, {"password": password}, REMOTE_ADDR=address)
        shape = [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+(\.\d+)?\b", "?", query["sql"])
                 for query in queries.captured_queries]
        return response, shape, callbacks

    before = OutboxMessage.objects.count()
    right = step_up(known, PASSWORD, "10.3.0.1")
    wrong = step_up(known, "not it", "10.3.0.2")
    nobody = step_up(unknown, "anything", "10.3.0.3")
    for response, shape, callbacks in (right, wrong, nobody):
        assert (response.status_code, response["Location"]) == (302, CODE)
        assert shape == right[1]  # the same queries, in the same order
        assert len(callbacks) == 1  # one task, published after the commit
    assert OutboxMessage.objects.count() == before
    # Only the task behind the right password sends a code.
    with committed():
        for _response, _shape, callbacks in (wrong, nobody):
            callbacks[0]()
    assert OutboxMessage.objects.count() == before
    with committed():
        right[2][0]()
    assert OutboxMessage.objects.filter(to=user.mobile).count() == 2  # the notice and the code
    # The code pages look the same; every code is refused with one message.
    for client in (known, unknown):
        assert "Log In - Code Verification" in client.get(CODE).content.decode()
    assert REFUSED in unknown.post(CODE, {"code": "123456"}).content.decode()


def test_a_right_password_gives_its_try_back(client, user):
    client.post(LOGIN, {"id_number": user.id_number})
    for n in range(9):
        client.post(STEP2, {"password": f"guess {n}"}, REMOTE_ADDR=f"10.4.0.{n}")
    assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.4.1.1")["Location"] == "/accounts/mode/"
    assert LoginAttempt.objects.count() == 9
    client.post("/accounts/logout/")
    client.post(LOGIN, {"id_number": user.id_number})
    assert WRONG in client.post(STEP2, {"password": "tenth"}, REMOTE_ADDR="10.4.2.1").content.decode()
    assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.4.2.2")["Location"] == CODE


def test_the_budget_comes_back_an_hour_after_the_tries(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        _spend_budget(client, user.id_number)
        assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.5.0.1")["Location"] == CODE
        traveller.shift(timedelta(minutes=59))
        assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.5.0.2")["Location"] == CODE
        traveller.shift(timedelta(minutes=1, seconds=1))
        client.post(LOGIN, {"id_number": user.id_number}, REMOTE_ADDR="10.5.0.3")
        assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.5.0.3")["Location"] == "/accounts/mode/"


def test_a_budget_spent_on_one_ic_leaves_another_alone(client, make_client, user):
    _spend_budget(client, user.id_number)
    other = user_make()
    second = make_client()
    second.post(LOGIN, {"id_number": other.id_number}, REMOTE_ADDR="10.1.0.0")
    assert second.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.1.0.0")["Location"] == "/accounts/mode/"


def test_the_code_page_needs_the_step_up(client, user):
    assert client.get(CODE)["Location"] == LOGIN
    client.post(LOGIN, {"id_number": user.id_number})
    assert client.get(CODE)["Location"] == LOGIN


def test_step_up_pages_in_bahasa_malaysia(client, user):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    client.post(LOGIN, {"id_number": user.id_number})
    for n in range(10):
        client.post(STEP2, {"password": f"guess {n}"}, REMOTE_ADDR=f"10.6.0.{n}")
    assert "kata laluan salah" in OutboxMessage.objects.get(channel="SMS", to=user.mobile).body
    client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.6.1.1")
    html = client.get(CODE).content.decode()
    assert "Log Masuk - Pengesahan Kod" in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_from_many_addresses_get_ten_answers_at_most():
    user = user_make()
    counter = iter(range(1000))

    def guess():
        address = f"10.7.{next(counter)}.1"
        client = Client()
        client.post(LOGIN, {"id_number": user.id_number}, REMOTE_ADDR=address)
        response = client.post(STEP2, {"password": "a wrong guess"}, REMOTE_ADDR=address)
        return "answered" if response.status_code == 200 else response["Location"]

    outcomes = race(guess, threads=16)
    assert outcomes.count("answered") == 10 and outcomes.count(CODE) == 6, outcomes
    assert LoginAttempt.objects.filter(id_number=user.id_number).count() == 10


# --- the IC step: look-ups per address -----------------------------------------------------------------------------


def test_ic_lookups_are_limited_per_address(client, make_client, settings):
    settings.ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR = "3/h"
    for n in range(3):
        assert client.post(LOGIN, {"id_number": f"90010114{n:04d}"}, REMOTE_ADDR="10.8.0.1").status_code == 302
    response = client.post(LOGIN, {"id_number": UNKNOWN_IC}, REMOTE_ADDR="10.8.0.1")
    assert response.status_code == 200
    assert "Too many IC numbers have been entered from your network" in response.content.decode()
    assert client.session["accounts.login_ic"] == "900101140002"  # the refused look-up changed nothing
    assert make_client().post(LOGIN, {"id_number": UNKNOWN_IC}, REMOTE_ADDR="10.8.0.2").status_code == 302
    malay = make_client()
    malay.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    assert "Terlalu banyak nombor kad pengenalan" in malay.post(
        LOGIN, {"id_number": UNKNOWN_IC}, REMOTE_ADDR="10.8.0.1"
    ).content.decode()


def test_ic_lookups_follow_the_trusted_client_ip_header(client, settings):
    settings.ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR = "1/h"
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = {"REMOTE_ADDR": "10.0.0.254"}
    assert client.post(LOGIN, {"id_number": UNKNOWN_IC}, HTTP_X_FORWARDED_FOR="1.2.3.4", **proxy).status_code == 302
    # A forged first hop does not help: the proxy's last entry is the address.
    assert client.post(LOGIN, {"id_number": UNKNOWN_IC}, HTTP_X_FORWARDED_FOR="9.9.9.9, 1.2.3.4",
                       **proxy).status_code == 200
    assert client.post(LOGIN, {"id_number": UNKNOWN_IC}, HTTP_X_FORWARDED_FOR="5.6.7.8", **proxy).status_code == 302


# --- email link tokens ---------------------------------------------------------------------------------------------


def test_link_token_guesses_are_limited_per_address(client, make_client, committed, settings):
    settings.ACCOUNTS_LINK_GUESSES_PER_IP_PER_HOUR = "3/h"
    user = user_make(email="owner@example.com")
    with committed():
        password_reset_start(id_number=user.id_number)
    real = re.search(r"/accounts/password/reset/[\w-]+/", OutboxMessage.objects.get(to=user.email).body).group(0)
    for n in range(3):
        html = client.get(f"/accounts/password/reset/guess{n}/", REMOTE_ADDR="10.9.0.1").content.decode()
        assert "This link is not valid" in html
    # Past the budget even the real token is not looked at from that address; from another it works.
    html = client.get(real, REMOTE_ADDR="10.9.0.1").content.decode()
    assert "Too many requests have come from your network" in html
    assert make_client().get(real, REMOTE_ADDR="10.9.0.2")["Location"] == "/accounts/password/reset/"


def test_the_signed_in_owner_can_change_the_password_while_the_budget_is_spent(make_client, user):
    owner = make_client()
    owner.post(LOGIN, {"id_number": user.id_number}, REMOTE_ADDR="10.10.0.1")
    assert owner.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.10.0.1")["Location"] == "/accounts/mode/"
    _spend_budget(make_client(), user.id_number)
    data = {"current_password": PASSWORD, "password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    wrong = owner.post("/accounts/management/password/", {**data, "current_password": "not it"},
                       REMOTE_ADDR="10.10.0.1")
    assert "Your current password is not correct." in wrong.content.decode()
    response = owner.post("/accounts/management/password/", data, REMOTE_ADDR="10.10.0.1")
    assert response["Location"] == "/accounts/management/"
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")


def test_old_tries_of_an_ic_are_dropped(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        _spend_budget(client, user.id_number)
        traveller.shift(timedelta(hours=1, seconds=1))
        client.post(STEP2, {"password": "once more"}, REMOTE_ADDR="10.11.0.1")
    assert LoginAttempt.objects.filter(id_number=user.id_number).count() == 1


def test_a_stranger_spending_the_reset_codes_does_not_keep_the_owner_out(client, make_client, user, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    stranger = make_client()
    for n in range(6):  # the account's and the number's hourly code limits, spent on reset codes
        stranger.post("/accounts/password/forgot/", {"id_number": user.id_number, "channel": "sms"},
                      REMOTE_ADDR=f"10.12.0.{n}")
    assert OneTimeCode.objects.filter(user=user, purpose=OtpPurpose.RESET).count() == 5
    _spend_budget(stranger, user.id_number)
    client.post(LOGIN, {"id_number": user.id_number}, REMOTE_ADDR="10.12.1.1")
    assert client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.12.1.1")["Location"] == CODE
    login_code = OneTimeCode.objects.get(user=user, purpose=OtpPurpose.LOGIN)
    assert client.post(CODE, {"code": outbox_code(user.mobile)})["Location"] == "/accounts/mode/"
    login_code.refresh_from_db()
    assert login_code.used_at is not None


def test_staff_sign_in_is_outside_the_budget(rf):
    """Staff have a second factor; a stranger must not keep them out of the back office by spending a budget."""
    from django.contrib.auth import authenticate

    staff = user_make(id_number="staff:alice", is_staff=True)
    for n in range(12):
        request = rf.post("/backoffice/signin/", REMOTE_ADDR=f"10.13.0.{n}")
        assert authenticate(request=request, id_number=staff.id_number, password=f"guess {n}") is None
    request = rf.post("/backoffice/signin/", REMOTE_ADDR="10.13.1.1")
    assert authenticate(request=request, id_number=staff.id_number, password=PASSWORD) == staff
    assert not LoginAttempt.objects.exists()


def test_a_new_ic_at_step_one_drops_the_step_up(client, user):
    _spend_budget(client, user.id_number)
    client.post(STEP2, {"password": PASSWORD}, REMOTE_ADDR="10.14.0.1")
    assert client.get(CODE).status_code == 200
    client.post(LOGIN, {"id_number": UNKNOWN_IC}, REMOTE_ADDR="10.14.0.1")
    assert client.get(CODE)["Location"] == LOGIN
