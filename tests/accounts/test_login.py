import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts.models import User
from matrix.accounts.phrases import secret_phrase_made_up
from tests.accounts.test_probing import _own_templates
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
STEP2 = "/accounts/login/password/"
UNKNOWN_IC = "850505145555"


def login_step1(client, id_number, **extra):
    return client.post(LOGIN, {"id_number": id_number}, **extra)


def login_step2(client, password, **extra):
    return client.post(STEP2, {"password": password}, **extra)


def test_two_step_login_shows_secret_phrase_and_goes_to_mode(client, user):
    html = client.get(LOGIN).content.decode()
    assert "Log In" in html and "IC Number" in html and "Next" in html
    response = login_step1(client, user.id_number)
    assert response.status_code == 302 and response["Location"] == STEP2
    html = client.get(STEP2).content.decode()
    assert "If this is not the secret phrase you have set, please do NOT login, and contact " \
           "'perkeso@perkeso.gov.my' immediately." in html
    assert 'value="Kuih lapis on Sunday" readonly' in html
    assert f'value="{user.id_number}" readonly' in html
    assert "New IC" in html and "Password" in html
    response = login_step2(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/accounts/mode/"
    html = client.get("/accounts/mode/").content.decode()
    assert re.search(r"Last Login Successful on \d\d-\d\d-\d{4} \d\d:\d\d:\d\d", html)  # the one date format
    for text in ["One Account. All of MATRIX", "Make your selection. Switch between anytime.",
                 "I'M SELF-EMPLOYED", "I'M EMPLOYEE", "I'M EMPLOYER", "Unavailable"]:
        assert text in html, text
    assert html.count("Unavailable") == 2


def test_ic_with_dashes_logs_in(client, user):
    ic = user.id_number
    login_step1(client, f"{ic[:6]}-{ic[6:8]}-{ic[8:]}")
    assert login_step2(client, PASSWORD)["Location"] == "/accounts/mode/"


def test_last_login_shows_the_previous_login_in_kuala_lumpur_time(client, user):
    with time_machine.travel(datetime(2019, 12, 27, 6, 35, 47, tzinfo=UTC), tick=False):
        login_step1(client, user.id_number)
        login_step2(client, PASSWORD)
    client.post("/accounts/logout/")
    login_step1(client, user.id_number)
    login_step2(client, PASSWORD)
    html = client.get("/accounts/mode/").content.decode()
    assert "Last Login Successful on 27-12-2019 14:35:47" in html
    user.refresh_from_db()
    assert user.previous_login.year == 2019 and user.last_login.year > 2019


def test_session_key_is_renewed_at_each_login_step(client, user):
    client.get(LOGIN)
    client.session.save()
    client.cookies["sessionid"] = client.session.session_key
    key0 = client.session.session_key
    login_step1(client, user.id_number)
    key1 = client.cookies["sessionid"].value
    login_step2(client, PASSWORD)
    key2 = client.cookies["sessionid"].value
    assert len({key0, key1, key2}) == 3


def test_wrong_password_and_unknown_ic_get_the_same_message(client, user):
    login_step1(client, user.id_number)
    wrong = login_step2(client, "not the password").content.decode()
    login_step1(client, UNKNOWN_IC)
    unknown = login_step2(client, "not the password").content.decode()
    message = "The IC number or password is not correct."
    assert message in wrong and message in unknown


def _normalise(html: str, *values: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    for value in values:
        html = html.replace(value, "VALUE")
    return html


def test_unknown_ic_page_is_indistinguishable_from_a_known_one(client, make_client, user):
    login_step1(client, user.id_number)
    known = client.get(STEP2)
    other = make_client()
    login_step1(other, UNKNOWN_IC)
    unknown = other.get(STEP2)
    phrase = re.search(r'id="login-secret-phrase" class="input" value="([^"]+)"', unknown.content.decode()).group(1)
    # Same template, same fields: only the IC and the phrase differ.
    # (The shared layout's parts are rendered by the first page of the process only: tests/accounts/test_probing.py.)
    assert _own_templates(known) == _own_templates(unknown)
    assert _normalise(known.content.decode(), user.id_number, "Kuih lapis on Sunday") == _normalise(
        unknown.content.decode(), UNKNOWN_IC, phrase
    )
    # A made-up phrase is drawn by the keyed HMAC of the IC (tests/accounts/test_phrases.py tells its shapes) and
    # is stable across requests and sessions.
    assert phrase == secret_phrase_made_up(id_number=UNKNOWN_IC)
    assert f'value="{phrase}"' in other.get(STEP2).content.decode()
    third = make_client()
    login_step1(third, UNKNOWN_IC)
    assert f'value="{phrase}"' in third.get(STEP2).content.decode()


def test_pending_account_cannot_log_in_and_looks_unknown(client):
    pending = user_make(is_active=False, activated_at=None, secret_phrase="")
    login_step1(client, pending.id_number)
    html = login_step2(client, PASSWORD).content.decode()
    assert "The IC number or password is not correct." in html
    assert "_auth_user_id" not in client.session


def test_step_two_without_step_one_goes_back(client):
    assert client.get(STEP2)["Location"] == LOGIN


def test_lockout_on_ic_and_ip_but_not_from_another_ip(client, make_client, user):
    attacker = {"REMOTE_ADDR": "10.0.0.66"}
    login_step1(client, user.id_number, **attacker)
    for _ in range(4):
        response = login_step2(client, "wrong password", **attacker)
        assert response.status_code == 200
    response = login_step2(client, "wrong password", **attacker)
    assert response.status_code == 429 and "Too many failed attempts" in response.content.decode()
    # Even the right password is refused from that IP now.
    response = login_step2(client, PASSWORD, **attacker)
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # The owner, elsewhere, still logs in.
    owner = make_client()
    login_step1(owner, user.id_number, REMOTE_ADDR="10.0.0.7")
    response = login_step2(owner, PASSWORD, REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 302 and response["Location"] == "/accounts/mode/"
    # And another IC from the attacker's IP is not locked either.
    other = user_make(full_name="LIM AH KOW")
    third = make_client()
    login_step1(third, other.id_number, **attacker)
    assert login_step2(third, PASSWORD, **attacker).status_code == 302


def test_lockout_passes_after_the_cool_off(client, user):
    attacker = {"REMOTE_ADDR": "10.0.0.66"}
    login_step1(client, user.id_number, **attacker)
    for _ in range(5):
        login_step2(client, "wrong password", **attacker)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login_step2(client, PASSWORD, **attacker).status_code == 302


def test_mode_page_needs_login(client):
    response = client.get("/accounts/mode/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


def test_next_url_is_followed_after_login(client, user):
    client.post(LOGIN + "?next=/accounts/management/", {"id_number": user.id_number})
    assert login_step2(client, PASSWORD)["Location"] == "/accounts/management/"


def test_next_url_to_another_site_is_ignored(client, user):
    client.post(LOGIN, {"id_number": user.id_number, "next": "https://evil.example/"})
    assert login_step2(client, PASSWORD)["Location"] == "/accounts/mode/"


def test_logout_is_post_only(user_client):
    assert user_client.get("/accounts/logout/").status_code == 405
    response = user_client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert user_client.get("/accounts/mode/").status_code == 302


def test_login_page_has_no_captcha(client, user):
    assert "captcha" not in client.get(LOGIN).content.decode().lower()
    login_step1(client, user.id_number)
    assert "captcha" not in client.get(STEP2).content.decode().lower()


def test_login_record_keeps_previous_login():
    user = user_make()
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(days=1))
    user.refresh_from_db()
    from matrix.accounts.services import account_login_record

    account_login_record(user=user)
    user.refresh_from_db()
    assert user.previous_login == user.last_login
