"""Helpers for the accounts tests: sign-up data, and reading codes and links back from the outbox."""

import re

from matrix.notifications.models import OutboxMessage

IC = "790811087654"
MOBILE = "60108877665"
EMAIL = "ahmad@gmail.com"
PASSWORD = "a long passphrase for matrix"


def signup_data(**overrides) -> dict:
    data = {
        "id_type": "MYKAD",
        "id_number": "790811-08-7654",
        "full_name": "AHMAD BIN ALI",
        "email": EMAIL,
        "mobile": "+60 10-887 7665",
        "terms": "on",
        "captcha_0": "dummy-key",
        "captcha_1": "PASSED",
    }
    data.update(overrides)
    return data


def outbox_code(mobile: str = MOBILE) -> str:
    message = OutboxMessage.objects.filter(channel="SMS", to=mobile).order_by("-pk").first()
    assert message is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def outbox_link(email: str = EMAIL, path: str = "/accounts/activate/") -> str:
    message = OutboxMessage.objects.filter(channel="EMAIL", to=email).order_by("-pk").first()
    assert message is not None, f"no email to {email}"
    return re.search(r"https?://\S+?" + re.escape(path) + r"[\w-]+/", message.body).group(0)


def link_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sign_up_until_email(client, **overrides) -> str:
    """Sign up and verify the mobile through the pages; returns the activation link from the email."""
    data = signup_data(**overrides)
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post("/accounts/signup/verify/", {"code": outbox_code(data.get("mobile_e164", MOBILE))})
    assert response.status_code == 302
    return outbox_link(data["email"])


def activate(client, link: str, *, phrase: str = "Nasi lemak on Sunday", password: str = PASSWORD):
    client.get(link_path(link))
    return client.post("/accounts/activate/", {"secret_phrase": phrase, "password1": password, "password2": password})
