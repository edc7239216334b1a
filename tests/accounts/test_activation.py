from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts.models import EmailLink, User
from tests.accounts.helpers import IC, PASSWORD, activate, link_path, outbox_link, sign_up_until_email

pytestmark = pytest.mark.django_db


def test_link_opens_activation_with_details_filled_in_and_leads_to_log_in(client):
    link = sign_up_until_email(client)
    response = client.get(link_path(link))
    assert response.status_code == 302 and response["Location"] == "/accounts/activate/"
    html = client.get("/accounts/activate/").content.decode()
    assert "Account Activation" in html
    for value in ["MyKad (New IC)", IC, "AHMAD BIN ALI", "ahmad@gmail.com", "60108877665"]:
        assert f'value="{value}" readonly' in html
    for label in ["Secret Phrase", "Password", "Password Confirm", "Next"]:
        assert label in html
    response = activate(client, link)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert "Success! You have joined the MATRIX." in client.get("/accounts/login/").content.decode()
    user = User.objects.get()
    assert user.is_active and user.activated_at and user.email_verified_at
    assert user.check_password(PASSWORD) and user.secret_phrase == "Nasi lemak on Sunday"


def test_reused_link_is_refused_with_a_way_forward(client, make_client):
    link = sign_up_until_email(client)
    activate(client, link)
    other = make_client()
    response = other.get(link_path(link))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This link has already been used." in html
    assert "/accounts/login/" in html and "/accounts/activate/new-link/" in html
    # Posting again with the token still in the first session fails the same way.
    again = {"secret_phrase": "x y z w", "password1": "p" * 12, "password2": "p" * 12}
    response = client.post("/accounts/activate/", again)
    assert "This link cannot be used" in response.content.decode()
    assert User.objects.get().secret_phrase == "Nasi lemak on Sunday"


def test_expired_link_is_refused_and_a_new_one_can_be_sent(client):
    link = sign_up_until_email(client)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        html = client.get(link_path(link)).content.decode()
        assert "This link has expired." in html and "Send me a new activation link" in html
        page = client.post("/accounts/activate/new-link/", {"id_number": IC}).content.decode()
        assert "a new activation link has been sent" in page
        new_link = outbox_link()
        assert new_link != link
        assert activate(client, new_link).status_code == 302
    assert User.objects.get().is_active


def test_new_link_request_answers_the_same_for_unknown_ic(client):
    page = client.post("/accounts/activate/new-link/", {"id_number": "900101149999"}).content.decode()
    assert "a new activation link has been sent" in page
    assert not EmailLink.objects.exists()


def test_older_link_stops_working_once_a_new_one_is_sent(client):
    link = sign_up_until_email(client)
    client.post("/accounts/activate/new-link/", {"id_number": IC})
    html = client.get(link_path(link)).content.decode()
    assert "A newer link has been sent" in html


def test_made_up_link_is_refused_without_logging_it(client, caplog):
    response = client.get("/accounts/activate/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert response.status_code == 200 and "This link is not valid" in response.content.decode()
    assert "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in caplog.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("x" * 129, "This password is too long"),
    ],
)
def test_password_rules(client, password, message):
    link = sign_up_until_email(client)
    client.get(link_path(link))
    response = client.post("/accounts/activate/", {
        "secret_phrase": "Nasi lemak on Sunday", "password1": password, "password2": password,
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.get().is_active


def test_long_password_of_64_and_more_characters_with_pasted_symbols_is_accepted(client):
    password = "Kuih lapis & teh tarik, every Sunday at 5pm; with family 🍵 !!!!!!!!!!!"
    assert len(password) >= 64
    link = sign_up_until_email(client)
    assert activate(client, link, password=password).status_code == 302
    assert User.objects.get().check_password(password)


def test_password_confirm_must_match_and_phrase_must_not_be_the_password(client):
    link = sign_up_until_email(client)
    client.get(link_path(link))
    html = client.post("/accounts/activate/", {
        "secret_phrase": "Nasi lemak on Sunday", "password1": PASSWORD, "password2": PASSWORD + "x",
    }).content.decode()
    assert "The two passwords do not match." in html
    html = client.post("/accounts/activate/", {
        "secret_phrase": PASSWORD, "password1": PASSWORD, "password2": PASSWORD,
    }).content.decode()
    assert "must not be your password" in html
    assert not User.objects.get().is_active


def test_activation_page_without_a_link_explains(client):
    html = client.get("/accounts/activate/").content.decode()
    assert "This link is not valid" in html
