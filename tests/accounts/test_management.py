import json
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts.models import EmailLink, OneTimeCode
from matrix.notifications.models import OutboxMessage
from tests.accounts.helpers import link_path, outbox_code, outbox_link
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another quite long passphrase"


def test_management_page_shows_the_account(signed_in, user):
    html = signed_in.get("/accounts/management/").content.decode()
    for text in ["Management", user.id_number, user.full_name, user.email, "012***6789", "Change password",
                 "Change secret phrase", "Change email", "Change mobile number"]:
        assert text in html, text
    assert "pbkdf2" not in html and "md5" not in html


def test_management_needs_login(client):
    assert client.get("/accounts/management/")["Location"].startswith("/accounts/login/")


def test_password_change_needs_the_old_one_and_ends_other_sessions(signed_in, make_client, user):
    elsewhere = make_client()
    elsewhere.post("/accounts/login/", {"id_number": user.id_number})
    elsewhere.post("/accounts/login/password/", {"password": PASSWORD})
    assert elsewhere.get("/accounts/mode/").status_code == 200

    html = signed_in.post("/accounts/management/password/", {
        "current_password": "wrong", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    }).content.decode()
    assert "Your current password is not correct." in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    html = signed_in.post("/accounts/management/password/", {
        "current_password": PASSWORD, "password1": "abc", "password2": "abc",
    }).content.decode()
    assert "too short" in html

    response = signed_in.post("/accounts/management/password/", {
        "current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert response["Location"] == "/accounts/management/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert signed_in.get("/accounts/mode/").status_code == 200  # this session stays
    assert elsewhere.get("/accounts/mode/").status_code == 302  # the other one has ended


def test_secret_phrase_change(signed_in, user):
    html = signed_in.post("/accounts/management/secret-phrase/", {
        "secret_phrase": "Roti canai at dawn", "current_password": "wrong",
    }).content.decode()
    assert "Your current password is not correct." in html
    signed_in.post("/accounts/management/secret-phrase/", {
        "secret_phrase": "Roti canai at dawn", "current_password": PASSWORD,
    })
    user.refresh_from_db()
    assert user.secret_phrase == "Roti canai at dawn"


def test_email_change_takes_effect_only_after_the_link(signed_in, make_client, user):
    response = signed_in.post("/accounts/management/email/", {"email": "New@Example.COM", "current_password": PASSWORD})
    assert response["Location"] == "/accounts/management/"
    user.refresh_from_db()
    assert user.email == "siti@example.com"
    link = outbox_link("New@example.com", path="/accounts/email/confirm/")
    # Opening the link changes nothing until confirmed (mail scanners open links too).
    other = make_client()
    assert other.get(link_path(link))["Location"] == "/accounts/email/confirm/"
    assert "New@example.com" in other.get("/accounts/email/confirm/").content.decode()
    user.refresh_from_db()
    assert user.email == "siti@example.com"
    other.post("/accounts/email/confirm/")
    user.refresh_from_db()
    assert user.email == "New@example.com" and user.email_verified_at
    assert OutboxMessage.objects.filter(to="siti@example.com", subject__contains="was changed").exists()
    # Single use.
    assert "already been used" in make_client().get(link_path(link)).content.decode()


def test_email_change_needs_the_password(signed_in, user):
    html = signed_in.post("/accounts/management/email/", {"email": "x@example.com", "current_password": "no"})
    assert "Your current password is not correct." in html.content.decode()
    assert not EmailLink.objects.exists()


def test_mobile_change_takes_effect_only_after_the_otp(signed_in, user):
    html = signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": "bad"})
    assert "Your current password is not correct." in html.content.decode()
    response = signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": PASSWORD})
    assert response["Location"] == "/accounts/management/mobile/verify/"
    user.refresh_from_db()
    assert user.mobile == "60123456789"
    code = outbox_code("60198887777")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    html = signed_in.post("/accounts/management/mobile/verify/", {"code": wrong}).content.decode()
    assert "The code is not correct." in html
    response = signed_in.post("/accounts/management/mobile/verify/", {"code": code})
    assert response["Location"] == "/accounts/management/"
    user.refresh_from_db()
    assert user.mobile == "60198887777"
    assert OneTimeCode.objects.get().used_at is not None


def test_forgot_password_by_email_link_does_not_reveal_the_ic(client, make_client, user):
    known = client.post("/accounts/password/forgot/", {"id_number": user.id_number}).content.decode()
    unknown = make_client().post("/accounts/password/forgot/", {"id_number": "850505145555"}).content.decode()
    strip = lambda html: html.replace(user.id_number, "").replace("850505145555", "")  # noqa: E731
    assert re.sub(r'value="[^"]+"', "", strip(known)) == re.sub(r'value="[^"]+"', "", strip(unknown))
    assert "If this IC number has a MATRIX account" in known
    link = outbox_link(user.email, path="/accounts/password/reset/")
    assert OutboxMessage.objects.filter(channel="EMAIL").count() == 1

    elsewhere = make_client()
    elsewhere.force_login(user)
    client.get(link_path(link))
    html = client.post("/accounts/password/reset/", {"password1": "password", "password2": "password"}).content
    assert "too common" in html.decode()
    response = client.post("/accounts/password/reset/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert elsewhere.get("/accounts/mode/").status_code == 302  # every session ended
    assert "already been used" in make_client().get(link_path(link)).content.decode()


def test_reset_link_expires_in_an_hour(client, user):
    client.post("/accounts/password/forgot/", {"id_number": user.id_number})
    link = outbox_link(user.email, path="/accounts/password/reset/")
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        html = client.get(link_path(link)).content.decode()
    assert "This link has expired." in html and "/accounts/password/forgot/" in html


def test_session_extend_is_post_json_and_needs_login(make_client, user_client):
    assert make_client().post("/accounts/session/extend/").status_code == 401
    assert user_client.get("/accounts/session/extend/").status_code == 405
    response = user_client.post("/accounts/session/extend/")
    assert response.status_code == 200 and json.loads(response.content) == {"ok": True}
    assert abs(user_client.session["last_activity"] - time.time()) < 5


def test_idle_session_ends_and_warning_is_on_signed_in_pages(signed_in, settings):
    html = signed_in.get("/accounts/management/").content.decode()
    assert 'data-idle-timeout="900"' in html and "/accounts/session/extend/" in html
    assert "session-timeout" in signed_in.get("/accounts/mode/").content.decode()
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert signed_in.post("/accounts/session/extend/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=28)):
        assert signed_in.get("/accounts/mode/").status_code == 200  # extended 14 minutes later
    with time_machine.travel(timezone.now() + timedelta(minutes=60)):
        response = signed_in.post("/accounts/session/extend/")
        assert response.status_code == 401
    assert signed_in.get("/accounts/mode/").status_code == 302


def test_admin_shows_no_password_hash(admin_client):
    target = user_make(full_name="ZAINAB")
    html = admin_client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    assert "ZAINAB" in html and target.password not in html
