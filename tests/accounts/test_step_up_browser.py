"""The stepped-up login in a real browser (Chromium): after ten wrong passwords for the IC from ten addresses,
the owner's right password leads to the code page, and the code from the SMS logs in; in English and Malay."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.accounts.helpers import outbox_code
from tests.browser.conftest import page  # noqa: F401 - the browser page fixture of the browser tests
from tests.factories import PASSWORD, user_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {"ic": "IC Number", "next": "Next", "password": "Password", "login": "Log In",
           "title": "Log In - Code Verification", "otp": "OTP Number", "refused": "The code is not correct",
           "home": "Last Login Successful on"},
    "ms": {"ic": "Nombor Kad Pengenalan", "next": "Seterusnya", "password": "Kata Laluan", "login": "Log Masuk",
           "title": "Log Masuk - Pengesahan Kod", "otp": "Nombor OTP", "refused": "Kod tidak betul",
           "home": "Log Masuk Terakhir Berjaya pada"},
}


@pytest.mark.parametrize("language", ["en", "ms"])
def test_after_ten_wrong_passwords_from_anywhere_the_owner_logs_in_with_the_sms_code(page, language):  # noqa: F811
    w = WORDS[language]
    user = user_make()
    attacker = Client()
    attacker.post("/accounts/login/", {"id_number": user.id_number}, REMOTE_ADDR="10.0.0.1")
    for n in range(10):
        attacker.post("/accounts/login/password/", {"password": f"guess {n}"}, REMOTE_ADDR=f"10.1.0.{n}")

    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_label(w["ic"], exact=True).fill(user.id_number)
    page.get_by_role("button", name=w["next"]).click()
    page.get_by_label(w["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=w["login"], exact=True).click()

    expect(page.get_by_role("heading", name=w["title"])).to_be_visible()
    page.get_by_label(w["otp"]).fill("000000" if outbox_code(user.mobile) != "000000" else "111111")
    page.get_by_role("button", name=w["login"], exact=True).click()
    expect(page.get_by_text(w["refused"]).first).to_be_visible()
    page.get_by_label(w["otp"]).fill(outbox_code(user.mobile))
    page.get_by_role("button", name=w["login"], exact=True).click()
    expect(page.get_by_text(w["home"])).to_be_visible()
