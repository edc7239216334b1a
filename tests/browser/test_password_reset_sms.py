"""Forgot password by SMS in a real browser: the IC number, "Send a code to my registered mobile", the code from
the outbox, a new password, then Log In with it."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import user_make

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "a brand new passphrase for matrix"


def outbox_sms(page, to: str) -> str:
    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    text = outbox.locator(f'li[data-channel="SMS"][data-to="{to}"] .message-body').first.inner_text()
    outbox.close()
    return text


def test_forgot_password_by_sms_then_log_in(page):
    user = user_make(mobile="60123456789")
    page.goto(page.base_url + "/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()

    expect(page.get_by_role("heading", name="Forgot Password")).to_be_visible()
    expect(page.get_by_label("Send a link to my registered email")).to_be_checked()
    page.get_by_label("IC Number", exact=True).fill(user.id_number)
    page.get_by_label("Send a code to my registered mobile").check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("If this IC number has a MATRIX account, we have sent a 6-digit code")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", outbox_sms(page, user.mobile)).group(1)
    page.get_by_label("Enter the code").fill(code)
    page.get_by_label("New Password").fill(NEW_PASSWORD)
    page.get_by_label("Password Confirm").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your password has been changed. Please log in with the new password.")).to_be_visible()
    expect(page.get_by_role("heading", name="Log In")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_label("IC Number", exact=True).fill(user.id_number)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log In", exact=True).click()
    expect(page.get_by_text("Last Login Successful on")).to_be_visible()
