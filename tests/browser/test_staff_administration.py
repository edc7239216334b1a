"""An Administrator in a real browser: creates a staff account with a role, deactivates another, then finds both
actions in the audit log by filtering on the action."""

import pytest
from playwright.sync_api import expect

from matrix.backoffice.models import Role, StaffMember
from tests.backoffice.audit_rows import audit_rows_purged  # noqa: F401 - pytest fixture
from tests.backoffice.browser import staff_sign_in
from tests.backoffice.conftest import make_staff
from tests.factories import reference_data_ensure

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_rows_purged")]


def test_an_administrator_manages_staff_accounts_and_reads_the_audit_log(page):
    reference_data_ensure()
    admin = make_staff("chief", Role.ADMINISTRATOR)
    leaver = make_staff("leaver", Role.OFFICER)
    staff_sign_in(page, admin)

    page.goto(page.base_url + "/staff/accounts/")
    page.get_by_label("Username").fill("newsup")
    page.get_by_label("Full Name").fill("Sara Supervisor")
    page.get_by_label("Role").select_option("SUPERVISOR")
    page.get_by_label("Password", exact=True).fill("supervisor-password-2026")
    page.get_by_role("button", name="Create staff account").click()
    expect(page.get_by_text("Staff account newsup created.")).to_be_visible()
    assert StaffMember.objects.get(username="newsup").role == Role.SUPERVISOR

    page.get_by_role("button", name="Deactivate leaver").click()
    expect(page.get_by_text("Staff account leaver deactivated.")).to_be_visible()
    leaver.refresh_from_db()
    assert not leaver.is_active

    page.goto(page.base_url + "/staff/audit/")
    page.get_by_label("Action").fill("staff.")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("cell", name="staff.deactivate")).to_be_visible()
    expect(page.get_by_role("cell", name="staff.create").first).to_be_visible()
    expect(page.get_by_role("cell", name="person.view")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
