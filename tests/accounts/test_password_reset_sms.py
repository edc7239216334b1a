"""Forgot password by SMS: the IC number, a 6-digit code to the registered mobile, then a new password."""

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts import services
from matrix.accounts.errors import OtpRefused
from matrix.accounts.models import EmailLink, LinkPurpose, OneTimeCode, OtpPurpose
from matrix.notifications.models import OutboxMessage
from tests.accounts.helpers import outbox_code
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another quite long passphrase"
UNKNOWN_IC = "850505145555"
FORGOT = "/accounts/password/forgot/"
CODE_PAGE = "/accounts/password/reset/code/"
REFUSED = "The code is not correct, has expired or has been used."


def ask_code(client, id_number):
    return client.post(FORGOT, {"id_number": id_number, "channel": "sms"})


def send_code(client, code, password=NEW_PASSWORD, confirm=None):
    return client.post(CODE_PAGE, {"code": code, "password1": password, "password2": confirm or password})


def normalised(html: str, *ics: str) -> str:
    for ic in ics:
        html = html.replace(ic, "")
    html = re.sub(r'value="[^"]+"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken"[^>]*>', "", html)


# --- services ------------------------------------------------------------------------------------------------------


def test_service_right_code_resets_closes_other_resets_and_notifies(committed, user):
    with committed():
        services.password_reset_start(id_number=user.id_number)  # an open email link as well
        services.password_reset_code_send(id_number=user.id_number)
    code = outbox_code(user.mobile)
    with committed():
        services.password_reset_by_code(id_number=user.id_number, code=code, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    row = OneTimeCode.objects.get(user=user, purpose=OtpPurpose.RESET)
    assert row.used_at is not None and row.closed_at is not None
    assert not EmailLink.objects.filter(user=user, purpose=LinkPurpose.RESET, closed_at__isnull=True).exists()
    notice = OutboxMessage.objects.filter(channel="EMAIL", to=user.email).order_by("-pk").first()
    assert "has been reset" in notice.body and code not in notice.body
    with pytest.raises(OtpRefused) as refused:  # single use
        services.password_reset_by_code(id_number=user.id_number, code=code, new_password=PASSWORD)
    assert refused.value.code == "used" and REFUSED in str(refused.value.message)


def test_service_unknown_ic_sends_nothing_and_refuses_with_the_wrong_code_message(committed, user):
    with committed():
        services.password_reset_code_send(id_number=UNKNOWN_IC)
    assert not OutboxMessage.objects.exists() and not OneTimeCode.objects.exists()
    with pytest.raises(OtpRefused) as unknown:
        services.password_reset_by_code(id_number=UNKNOWN_IC, code="123456", new_password=NEW_PASSWORD)
    with committed():
        services.password_reset_code_send(id_number=user.id_number)
    code = outbox_code(user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(OtpRefused) as known:
        services.password_reset_by_code(id_number=user.id_number, code=wrong, new_password=NEW_PASSWORD)
    assert str(unknown.value.message) == str(known.value.message)


def test_service_inactive_account_gets_no_code(committed):
    pending = user_make(is_active=False, activated_at=None)
    with committed():
        services.password_reset_code_send(id_number=pending.id_number)
    assert not OutboxMessage.objects.exists()


def test_code_is_stored_hashed_and_never_logged(committed, user, caplog):
    caplog.set_level(logging.DEBUG)
    with committed():
        services.password_reset_code_send(id_number=user.id_number)
    code = outbox_code(user.mobile)
    row = OneTimeCode.objects.get(user=user, purpose=OtpPurpose.RESET)
    assert code not in row.code_hash and len(row.code_hash) == 64
    with pytest.raises(OtpRefused):
        services.password_reset_by_code(id_number=user.id_number, code="999999" if code != "999999" else "888888",
                                        new_password=NEW_PASSWORD)
    services.password_reset_by_code(id_number=user.id_number, code=code, new_password=NEW_PASSWORD)
    assert code not in caplog.text and NEW_PASSWORD not in caplog.text
    assert "password reset by SMS code" in caplog.text


# --- pages ---------------------------------------------------------------------------------------------------------


def test_forgot_page_offers_both_ways_email_by_default(client):
    html = client.get(FORGOT).content.decode()
    assert "Send a code to my registered mobile" in html and "Send a link to my registered email" in html
    assert re.search(r'<input[^>]*value="email"[^>]*checked', html)
    assert not re.search(r'<input[^>]*value="sms"[^>]*checked', html)


def test_right_code_sets_the_password_and_ends_every_session(client, make_client, user):
    elsewhere = make_client()
    elsewhere.force_login(user)
    response = ask_code(client, user.id_number)
    assert response.status_code == 302 and response["Location"] == CODE_PAGE
    html = client.get(CODE_PAGE).content.decode()
    for text in ["Enter the code", "New Password", "Password Confirm", "If this IC number has a MATRIX account"]:
        assert text in html, text
    assert user.mobile not in normalised(html) and "6789" not in normalised(html)  # nothing about the account
    code = outbox_code(user.mobile)
    assert "too common" in send_code(client, code, password="password").content.decode()  # validators apply
    assert OneTimeCode.objects.get().attempts == 0  # a refused form does not spend a try
    response = send_code(client, code)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "Your password has been changed" in client.get("/accounts/login/").content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert elsewhere.get("/accounts/mode/").status_code == 302  # every session ended
    login = make_client()
    login.post("/accounts/login/", {"id_number": user.id_number})
    assert login.post("/accounts/login/password/", {"password": NEW_PASSWORD}).status_code == 302


def test_mismatched_passwords_are_refused(client, user):
    ask_code(client, user.id_number)
    html = send_code(client, outbox_code(user.mobile), confirm="something else entirely").content.decode()
    assert "The two passwords do not match." in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_wrong_expired_and_reused_codes_are_refused(client, make_client, user):
    ask_code(client, user.id_number)
    code = outbox_code(user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    assert REFUSED in send_code(client, wrong).content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert REFUSED in send_code(client, code).content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    other = make_client()
    with time_machine.travel(timezone.now() + timedelta(minutes=12)):
        ask_code(other, user.id_number)
        fresh = outbox_code(user.mobile)
        assert send_code(other, fresh).status_code == 302
        ask_code(other, user.id_number)  # within the cooldown: no new code, and the page looks the same
        assert REFUSED in send_code(other, fresh, password=PASSWORD).content.decode()  # reused
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_five_wrong_tries_stop_the_code(client, user):
    ask_code(client, user.id_number)
    code = outbox_code(user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert REFUSED in send_code(client, wrong).content.decode()
    row = OneTimeCode.objects.get()
    assert row.attempts == 5 and row.closed_at is not None
    assert REFUSED in send_code(client, code).content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # And no new code for a while: resend quietly sends nothing.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        client.post(CODE_PAGE, {"resend": "1"})
    assert OutboxMessage.objects.filter(channel="SMS").count() == 1


def test_resend_respects_the_cooldown_and_sends_a_new_code(client, user):
    ask_code(client, user.id_number)
    first = outbox_code(user.mobile)
    response = client.post(CODE_PAGE, {"resend": "1"})
    assert response.status_code == 302
    assert OutboxMessage.objects.filter(channel="SMS").count() == 1  # cooldown
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        client.post(CODE_PAGE, {"resend": "1"})
        second = outbox_code(user.mobile)
        assert OutboxMessage.objects.filter(channel="SMS").count() == 2
        if first != second:
            assert REFUSED in send_code(client, first).content.decode()  # replaced
        assert send_code(client, second).status_code == 302


def test_per_ip_limit_sends_nothing_but_answers_the_same(client, user, settings):
    settings.ACCOUNTS_OTP_PER_IP_PER_HOUR = "1/h"
    ask_code(client, UNKNOWN_IC)
    response = ask_code(client, user.id_number)
    assert response.status_code == 302 and response["Location"] == CODE_PAGE
    assert not OutboxMessage.objects.exists()


def test_unknown_ic_is_indistinguishable(client, make_client, user):
    known_answer = ask_code(client, user.id_number)
    other = make_client()
    unknown_answer = ask_code(other, UNKNOWN_IC)
    assert known_answer["Location"] == unknown_answer["Location"] == CODE_PAGE
    known = client.get(CODE_PAGE).content.decode()
    unknown = other.get(CODE_PAGE).content.decode()
    assert normalised(known, user.id_number, UNKNOWN_IC) == normalised(unknown, user.id_number, UNKNOWN_IC)
    code = outbox_code(user.mobile)
    wrong = "000000" if code != "000000" else "111111"
    known_refusal = send_code(client, wrong).content.decode()
    for attempt in [wrong, code, "123456"]:
        unknown_refusal = send_code(other, attempt).content.decode()
        assert REFUSED in unknown_refusal
        assert normalised(unknown_refusal, UNKNOWN_IC, user.id_number) == normalised(
            known_refusal, user.id_number, UNKNOWN_IC
        )
    # Password rules are checked the same way for both.
    assert normalised(send_code(client, code, password="password").content.decode()) == normalised(
        send_code(other, code, password="password").content.decode()
    )


def test_code_page_needs_the_forgot_step(client):
    assert client.get(CODE_PAGE)["Location"] == FORGOT


def test_email_link_is_still_the_default(client, user):
    client.post(FORGOT, {"id_number": user.id_number})
    assert OutboxMessage.objects.filter(channel="EMAIL").count() == 1
    assert not OutboxMessage.objects.filter(channel="SMS").exists()


def test_pages_in_bahasa_malaysia(client, user, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    html = client.get(FORGOT).content.decode()
    assert "Hantar kod ke telefon bimbit berdaftar saya" in html and "Hantar pautan ke e-mel berdaftar saya" in html
    ask_code(client, user.id_number)
    html = client.get(CODE_PAGE).content.decode()
    assert "Masukkan kod" in html and "kod 6 digit melalui SMS" in html and "selama 10 minit" in html
    html = send_code(client, "000000" if outbox_code(user.mobile) != "000000" else "111111").content.decode()
    assert "Kod tidak betul, telah tamat tempoh atau telah digunakan." in html
