"""Audit of issue 3 / DESIGN.md sessions: in a real browser the idle warning appears before the session ends,
"Stay signed in" keeps the session, and doing nothing ends it.

No test waits for real minutes: the page's clock is Playwright's (`page.clock`, its timers run when the test
says) and the server's is time-machine's, moved forward by the same amounts, so each step is a condition at a
known moment, whatever the machine's load."""

import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import page_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT, WARNING = 600, 120  # seconds; the warning shows 480 s after the last request


@pytest.fixture
def clocks(page, settings):
    """(page clock, server clock), both starting now; the server's keeps ticking between the test's jumps."""
    settings.SESSION_IDLE_TIMEOUT_SECONDS = TIMEOUT
    settings.SESSION_WARNING_SECONDS = WARNING
    page.clock.install()
    with time_machine.travel(timezone.now(), tick=True) as server:
        yield page.clock, server


def _later(clocks, seconds: int) -> None:
    """Let `seconds` pass for the server, then for the page (whose timers fire on the way)."""
    page_clock, server = clocks
    server.shift(seconds)
    page_clock.run_for(seconds * 1000)


def test_warning_appears_and_stay_signed_in_keeps_the_session(page, user, clocks):
    page_sign_in(page, user)
    page.goto(page.base_url + "/accounts/management/")
    dialog = page.get_by_role("alertdialog", name="Your session is about to end")
    expect(dialog).to_be_hidden()
    _later(clocks, TIMEOUT - WARNING - 60)
    expect(dialog).to_be_hidden()  # a minute before the warning
    _later(clocks, 60)
    expect(dialog).to_be_visible()
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    stay.click()
    expect(dialog).to_be_hidden()

    # Past the original end of the session, but within the extended one: still signed in, same page, no warning.
    _later(clocks, WARNING + 60)
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/accounts/management/")
    page.goto(page.base_url + "/accounts/management/")
    expect(page).to_have_url(re.compile(r"/accounts/management/$"))
    expect(page.get_by_role("heading", name="Management", exact=True)).to_be_visible()


def test_doing_nothing_ends_the_session_and_says_why(page, user, clocks):
    page_sign_in(page, user)
    page.goto(page.base_url + "/accounts/management/")
    _later(clocks, TIMEOUT - WARNING)
    expect(page.get_by_role("alertdialog")).to_be_visible()
    # The page reloads itself when the session has ended; the server sends it to Log In.
    _later(clocks, WARNING + 2)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text("You were signed out because you were inactive.")).to_be_visible()
    page.goto(page.base_url + "/accounts/management/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
