"""Audit of issue 3 / DESIGN.md sessions: in a real browser the idle warning appears before the session ends,
"Stay signed in" keeps the session, and doing nothing ends it (short timeouts through the settings fixture)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT, WARNING = 8, 5  # the warning shows 3 s after the last request


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = TIMEOUT
    settings.SESSION_WARNING_SECONDS = WARNING


def test_warning_appears_and_stay_signed_in_keeps_the_session(page, user, short_sessions):
    page_sign_in(page, user)
    page.goto(page.base_url + "/accounts/management/")
    started = time.monotonic()
    dialog = page.get_by_role("alertdialog", name="Your session is about to end")
    expect(dialog).to_be_hidden()
    expect(dialog).to_be_visible(timeout=TIMEOUT * 1000)
    assert time.monotonic() - started >= TIMEOUT - WARNING - 1
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    stay.click()
    expect(dialog).to_be_hidden()

    # Past the original end of the session, but within the extended one: still signed in, same page.
    page.wait_for_timeout(max(0, (TIMEOUT + 1.5 - (time.monotonic() - started)) * 1000))
    assert page.url.endswith("/accounts/management/")
    page.goto(page.base_url + "/accounts/management/")
    assert page.url.endswith("/accounts/management/")
    expect(page.get_by_role("heading", name="Management", exact=True)).to_be_visible()


def test_doing_nothing_ends_the_session_and_says_why(page, user, short_sessions):
    page_sign_in(page, user)
    page.goto(page.base_url + "/accounts/management/")
    expect(page.get_by_role("alertdialog")).to_be_visible(timeout=TIMEOUT * 1000)
    # The page reloads itself when the session has ended; the server sends it to Log In.
    expect(page).to_have_url(re.compile(r"/accounts/login/"), timeout=(TIMEOUT + 6) * 1000)
    expect(page.get_by_text("You were signed out because you were inactive.")).to_be_visible()
    page.goto(page.base_url + "/accounts/management/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
