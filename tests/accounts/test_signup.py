import logging

import pytest
from django.urls import reverse

from matrix.accounts.models import EmailLink, OneTimeCode, User
from matrix.notifications.models import OutboxMessage
from tests.accounts.helpers import EMAIL, IC, MOBILE, outbox_code, outbox_link, signup_data
from tests.factories import user_make

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
VERIFY = "/accounts/signup/verify/"


def test_home_page_links_to_sign_up(client):
    response = client.get("/")
    assert reverse("accounts:signup") in response.content.decode()
    assert "New to the site? Create MATRIX account" in response.content.decode()


def test_sign_up_form_has_the_seed_fields(client):
    html = client.get(SIGNUP).content.decode()
    for label in [
        "Select ID Type", "IC Number (e.g. 790811087654)", "Full Name As In Identity Card Number",
        "Email (e.g. ahmad@gmail.com)", "Mobile Number (e.g. 60108877665)", "I have read and agree to the",
        "Terms and Conditions", "Type the text", "Next", "Get a new image", "please kindly login",
    ]:
        assert label in html, label
    assert reverse("pages:terms") in html
    assert "/captcha/image/" in html


def test_sign_up_sends_an_otp_and_stores_the_account_pending_and_compact(client):
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302 and response["Location"] == VERIFY
    user = User.objects.get()
    assert (user.id_number, user.mobile, user.email, user.full_name) == (IC, MOBILE, EMAIL, "AHMAD BIN ALI")
    assert not user.is_active and not user.has_usable_password() and user.mobile_verified_at is None
    assert len(outbox_code()) == 6
    page = client.get(VERIFY).content.decode()
    assert "Sign Up - OTP Verification" in page and "010***7665" in page and "Resend" in page


def test_whole_sign_up_to_activation_email(client):
    client.post(SIGNUP, signup_data())
    response = client.post(VERIFY, {"code": outbox_code()})
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    page = client.get("/accounts/signup/done/").content.decode()
    assert "Thank you for registering at MATRIX." in page
    assert "A verification email has been sent to your email." in page
    email = OutboxMessage.objects.get(channel="EMAIL", to=EMAIL)
    assert email.subject == "Pengaktifan Akaun Sistem Online PERKESO / PERKESO Online System Account Activation"
    body = email.body
    assert body.index("Sila klik disini") < body.index("Please click here")
    assert "Nombor Kad Pengenalan : 79**********" in body
    assert "Alamat E-mel : ahma*@gmail.com" in body
    assert "Nombor Telefon Bimbit : 010***7665" in body
    assert IC not in body and MOBILE not in body
    assert outbox_link().startswith("http://")
    assert 'href="http' in email.html_body and ">disini</a>" in email.html_body
    assert User.objects.get().mobile_verified_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "791311087654", "Enter a valid IC number"),
        ("mobile", "0321234567", "Enter a Malaysian mobile number"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("terms", "", "You must agree to the Terms and Conditions"),
        ("captcha_1", "WRONG", "does not match the picture"),
    ],
)
def test_invalid_sign_up_is_refused_and_changes_nothing(client, field, value, message):
    response = client.post(SIGNUP, signup_data(**{field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.exists() and not OutboxMessage.objects.exists()


def test_duplicate_ic_of_an_active_account_answers_like_a_new_one_and_tells_the_owner(client):
    owner = user_make(id_number=IC, email="owner@example.com")
    response = client.post(SIGNUP, signup_data())
    # The same answer as a new sign-up (the OTP page), nothing made and no code sent; the owner is told by email.
    assert response.status_code == 302 and response["Location"] == VERIFY
    assert User.objects.count() == 1 and not OneTimeCode.objects.exists()
    notice = OutboxMessage.objects.get()
    assert (notice.channel, notice.to) == ("EMAIL", owner.email)
    assert "tried to sign up for MATRIX with your IC number" in notice.body and "log in" in notice.body
    # Every code is refused with the one message of the code page.
    page = client.post(VERIFY, {"code": "123456"}).content.decode()
    assert "The code is not correct, has expired or has been used." in page
    # Sent again within the hour, the owner is not told twice.
    client.post(SIGNUP, signup_data())
    assert OutboxMessage.objects.count() == 1


def test_duplicate_ic_written_with_dashes_is_the_same_ic(client):
    user_make(id_number=IC)
    client.post(SIGNUP, signup_data(id_number="790811-08-7654"))
    assert User.objects.count() == 1


def test_pending_sign_up_restarts_on_the_same_account(client, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    client.post(SIGNUP, signup_data())
    first_code = outbox_code()
    client.post(SIGNUP, signup_data(mobile="0123456780", email="ahmad2@example.com"))
    user = User.objects.get()
    assert (user.mobile, user.email) == ("60123456780", "ahmad2@example.com")
    assert OneTimeCode.objects.filter(closed_at__isnull=True).count() == 1
    # The old code went to the old number and is no longer valid.
    response = client.post(VERIFY, {"code": first_code})
    assert "not correct" in response.content.decode() or first_code == outbox_code("60123456780")
    assert client.post(VERIFY, {"code": outbox_code("60123456780")}).status_code == 302


def test_restart_during_cooldown_answers_the_same_and_changes_nothing(client):
    first = client.post(SIGNUP, signup_data())
    again = client.post(SIGNUP, signup_data(mobile="0123456780"))
    # The cooldown is applied after the answer, which is the same as the first one.
    assert (again.status_code, again["Location"]) == (first.status_code, first["Location"])
    assert User.objects.get().mobile == MOBILE
    assert OneTimeCode.objects.count() == 1


def test_restart_closes_an_earlier_activation_link(client, settings):
    settings.ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS = 0
    client.post(SIGNUP, signup_data())
    client.post(VERIFY, {"code": outbox_code()})
    client.post(SIGNUP, signup_data())
    assert EmailLink.objects.get().closed_at is not None
    assert User.objects.get().mobile_verified_at is None


def test_get_a_new_image_keeps_what_was_typed_without_errors(client):
    response = client.post(SIGNUP, {**signup_data(captcha_1=""), "captcha_refresh": "1"})
    html = response.content.decode()
    assert "There is a problem" not in html
    assert 'value="AHMAD BIN ALI"' in html
    assert not User.objects.exists()


def test_verify_page_without_a_sign_up_goes_back_to_the_form(client):
    response = client.get(VERIFY)
    assert response.status_code == 302 and response["Location"] == SIGNUP


def test_per_ip_sending_limit_on_sign_up(client, settings):
    settings.ACCOUNTS_OTP_PER_IP_PER_HOUR = "2/h"
    client.post(SIGNUP, signup_data(), REMOTE_ADDR="10.1.1.1")
    client.post(SIGNUP, signup_data(id_number="900101140001", mobile="0123000001"), REMOTE_ADDR="10.1.1.1")
    response = client.post(SIGNUP, signup_data(id_number="900101140002", mobile="0123000002"), REMOTE_ADDR="10.1.1.1")
    assert "Too many requests have come from your network" in response.content.decode()
    assert User.objects.count() == 2
    # Another network is not affected.
    client.post(SIGNUP, signup_data(id_number="900101140003", mobile="0123000003"), REMOTE_ADDR="10.2.2.2")
    assert User.objects.count() == 3


def test_otp_and_activation_token_never_stored_plain_nor_logged(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(SIGNUP, signup_data())
    code = outbox_code()
    client.post(VERIFY, {"code": code})
    link = outbox_link()
    token = link.rstrip("/").rsplit("/", 1)[1]
    client.get(link)
    logs = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    assert code not in logs and token not in logs
    for row in OneTimeCode.objects.values():
        assert code not in " ".join(str(value) for value in row.values())
    for row in EmailLink.objects.values():
        assert token not in " ".join(str(value) for value in row.values())
    for row in User.objects.values():
        assert code not in " ".join(str(value) for value in row.values())
        assert token not in " ".join(str(value) for value in row.values())
    assert "sign-up started" in logs  # the logs do record the events themselves
