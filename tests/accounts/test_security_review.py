"""Regression tests for the defects found in the accounts security review (one test, or a few, per fix)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import RequestFactory

from matrix.accounts.models import EmailLink, OneTimeCode, User
from tests.accounts.helpers import link_path, outbox_code, outbox_link
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another quite long passphrase"


# --- a password reset or change withdraws pending email/mobile changes -------------------------------------------


def test_password_reset_withdraws_an_email_change_started_by_someone_else(signed_in, make_client, user):
    # Someone holding the session and the password asks to move the account to their own address...
    signed_in.post("/accounts/management/email/", {"email": "thief@example.com", "current_password": PASSWORD})
    stolen_link = outbox_link("thief@example.com", path="/accounts/email/confirm/")
    # ...then the owner resets the password from their own mailbox.
    owner = make_client()
    owner.post("/accounts/password/forgot/", {"id_number": user.id_number})
    owner.get(link_path(outbox_link(user.email, path="/accounts/password/reset/")))
    owner.post("/accounts/password/reset/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    thief = make_client()
    html = thief.get(link_path(stolen_link)).content.decode()
    assert "This link cannot be used" in html
    thief.post("/accounts/email/confirm/")
    user.refresh_from_db()
    assert user.email == "siti@example.com"
    assert not EmailLink.objects.filter(closed_at__isnull=True).exists()


def test_password_change_withdraws_a_pending_mobile_change_and_reset_link(signed_in, make_client, user):
    signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": PASSWORD})
    code = outbox_code("60198887777")
    make_client().post("/accounts/password/forgot/", {"id_number": user.id_number})
    reset_link = outbox_link(user.email, path="/accounts/password/reset/")

    signed_in.post("/accounts/management/password/", {
        "current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    html = signed_in.post("/accounts/management/mobile/verify/", {"code": code}).content.decode()
    assert "This code has expired." in html
    user.refresh_from_db()
    assert user.mobile == "60123456789"
    assert OneTimeCode.objects.get().used_at is None
    assert "This link cannot be used" in make_client().get(link_path(reset_link)).content.decode()


def test_a_replaced_code_is_still_refused_and_a_new_code_still_works(signed_in, user, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": PASSWORD})
    first = outbox_code("60198887777")
    signed_in.post("/accounts/management/mobile/verify/", {"resend": "1"})
    second = outbox_code("60198887777")
    if first != second:
        assert "The code is not correct." in signed_in.post(
            "/accounts/management/mobile/verify/", {"code": first}
        ).content.decode()
    assert signed_in.post("/accounts/management/mobile/verify/", {"code": second})["Location"] == (
        "/accounts/management/"
    )


# --- re-authentication in Management counts towards the IC + IP lockout -------------------------------------------


@pytest.mark.parametrize("url, data", [
    ("/accounts/management/email/", {"email": "thief@example.com"}),
    ("/accounts/management/mobile/", {"mobile": "0198887777"}),
    ("/accounts/management/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}),
    ("/accounts/management/secret-phrase/", {"secret_phrase": "Teh tarik at noon"}),
])
def test_current_password_guessing_is_locked_out(signed_in, user, url, data):
    for _ in range(4):
        html = signed_in.post(url, {**data, "current_password": "guess"}).content.decode()
        assert "Your current password is not correct." in html
    assert signed_in.post(url, {**data, "current_password": "guess"}).status_code == 429
    # Locked: even the right password is refused now, and nothing changes.
    response = signed_in.post(url, {**data, "current_password": PASSWORD})
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and user.secret_phrase == "Kuih lapis on Sunday"
    assert not EmailLink.objects.exists() and not OneTimeCode.objects.exists()


# --- pages reached by a token URL ------------------------------------------------------------------------------------


def test_token_urls_send_no_referrer_and_are_not_cached(client, user):
    client.post("/accounts/password/forgot/", {"id_number": user.id_number})
    path = link_path(outbox_link(user.email, path="/accounts/password/reset/"))
    valid = client.get(path)
    assert valid.status_code == 302 and valid["Location"] == "/accounts/password/reset/"
    invalid = client.get("/accounts/password/reset/not-a-real-token/")
    assert invalid.status_code == 200 and "This link cannot be used" in invalid.content.decode()
    for response in (valid, invalid):
        assert response["Referrer-Policy"] == "no-referrer"
        assert "no-store" in response["Cache-Control"]


# --- next= may not downgrade an https login to http ----------------------------------------------------------------


def test_next_url_downgrading_to_http_is_ignored(client, user):
    client.post("/accounts/login/", {"id_number": user.id_number, "next": "http://testserver/accounts/management/"},
                secure=True)
    response = client.post("/accounts/login/password/", {"password": PASSWORD}, secure=True)
    assert response["Location"] == "/accounts/mode/"


# --- admin: staff who may edit accounts cannot grant privileges ------------------------------------------------------


def test_staff_without_superuser_cannot_grant_privileges_in_admin(client):
    staff = user_make(full_name="STAFF ONE", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_user", "view_user"]))
    target = user_make(full_name="TARGET")
    model_admin = admin.site._registry[User]
    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=staff.pk)
    readonly = model_admin.get_readonly_fields(request, target)
    for name in ["is_staff", "is_superuser", "groups", "user_permissions"]:
        assert name in readonly
    request.user = user_make(full_name="ROOT", is_staff=True, is_superuser=True)
    assert "is_superuser" not in model_admin.get_readonly_fields(request, target)


# --- the session store never holds an email link's token -------------------------------------------------------------


def test_session_store_keeps_only_the_hash_of_a_link_token(client, user):
    from django.contrib.sessions.models import Session

    client.post("/accounts/password/forgot/", {"id_number": user.id_number})
    link = outbox_link(user.email, path="/accounts/password/reset/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.get(link_path(link))
    assert "New Password" in client.get("/accounts/password/reset/").content.decode()
    stored = " ".join(str(session.get_decoded()) + session.session_data for session in Session.objects.all())
    assert token not in stored
    response = client.post("/accounts/password/reset/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == "/accounts/login/"


# --- the registered email hears of password and mobile changes -------------------------------------------------------


def test_password_change_reset_and_mobile_change_are_notified_by_email(signed_in, make_client, user):
    from matrix.notifications.models import OutboxMessage

    def notices():
        return list(OutboxMessage.objects.filter(to=user.email, subject__contains="a change to your account")
                    .order_by("pk").values_list("body", flat=True))

    signed_in.post("/accounts/management/password/", {
        "current_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
    })
    assert "password of your MATRIX account has been changed" in notices()[-1]
    signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": NEW_PASSWORD})
    signed_in.post("/accounts/management/mobile/verify/", {"code": outbox_code("60198887777")})
    assert "mobile number of your MATRIX account has been changed to 019***7777" in notices()[-1]
    owner = make_client()
    owner.post("/accounts/password/forgot/", {"id_number": user.id_number})
    owner.get(link_path(outbox_link(user.email, path="/accounts/password/reset/")))
    owner.post("/accounts/password/reset/", {"password1": PASSWORD, "password2": PASSWORD})
    assert "password of your MATRIX account has been reset" in notices()[-1]
    assert len(notices()) == 3
    assert all("1-300-22-8000" in body for body in notices())
