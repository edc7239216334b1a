"""Browser helpers for back-office tests (tests/browser/test_staff_*.py and the other engineers' pages):

    from tests.backoffice.browser import staff_sign_in
    staff_sign_in(page, member)   # through the pages: username, password, TOTP code; lands on Staff home
"""

from playwright.sync_api import expect

from tests.backoffice.conftest import PASSWORD, current_code


def staff_sign_in(page, member) -> None:
    page.goto(page.base_url + "/staff/login/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authentication code").fill(current_code(member))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Staff home")).to_be_visible()
