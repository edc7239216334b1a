"""Back office in a real browser at 360 px: a Supervisor signs in with a TOTP code, reconciles FPX's settlement
file and opens the reports (English and Malay); an Administrator schedules a plan rate and edits a content page
that the public then reads."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from matrix.backoffice.models import AuditEvent, Role
from matrix.core.kltime import kl_datetime, kl_now
from matrix.reference.models import Plan
from tests.backoffice.audit_rows import audit_rows_purged  # noqa: F401 - pytest fixture
from tests.backoffice.conftest import PASSWORD, current_code, make_staff
from tests.browser.flows import language_choose
from tests.factories import reference_data_ensure
from tests.reports.helpers import line_for, payment_make, settlement_csv

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_rows_purged")]

WORDS = {
    "en": {"username": "Username", "password": "Password", "sign_in": "Sign in", "code": "Authentication code",
           "verify": "Verify", "home": "Staff home", "menu": "Menu", "reconciliation": "Reconciliation",
           "date": "Settlement date", "file": "Settlement file (CSV)", "reconcile": "Reconcile",
           "result": "Reconciliation of {day}", "mismatch": "Amount mismatch", "reports": "Reports",
           "by_plan": "Contributions by plan", "payment": "Payment (Paid)"},
    "ms": {"username": "Nama pengguna", "password": "Kata Laluan", "sign_in": "Log masuk", "code": "Kod pengesahan",
           "verify": "Sahkan", "home": "Laman utama kakitangan", "menu": "Menu", "reconciliation": "Penyesuaian",
           "date": "Tarikh penyelesaian", "file": "Fail penyelesaian (CSV)", "reconcile": "Sesuaikan",
           "result": "Penyesuaian bagi {day}", "mismatch": "Amaun tidak sepadan", "reports": "Laporan",
           "by_plan": "Caruman mengikut pelan", "payment": "Bayaran (Dibayar)"},
}


def _sign_in(page, member, language: str) -> dict:
    words = WORDS[language]
    page.goto(page.base_url + "/")
    if language == "ms":
        language_choose(page, "ms")
        expect(page.locator("html")).to_have_attribute("lang", "ms")
    page.goto(page.base_url + "/staff/login/")
    page.get_by_label(words["username"]).fill(member.username)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()
    page.get_by_label(words["code"]).fill(current_code(member))
    page.get_by_role("button", name=words["verify"]).click()
    expect(page.get_by_role("heading", name=words["home"])).to_be_visible()
    return words


def _open_menu_item(page, words, label: str) -> None:
    page.locator("summary", has_text=words["menu"]).click()
    page.get_by_role("link", name=label, exact=True).click()


def _fits_a_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("language", ["en", "ms"])
def test_a_supervisor_reconciles_a_settlement_file_and_opens_a_report(page, language):
    reference_data_ensure()
    member = make_staff(f"supervisor-{language}", Role.SUPERVISOR)
    day = kl_now().date() - timedelta(days=1)
    paid_at = kl_datetime(day.year, day.month, day.day, 10, 0, 0)
    matched = payment_make(amount="77.60", paid_at=paid_at)
    mismatched = payment_make(amount="39.30", paid_at=paid_at)
    words = _sign_in(page, member, language)

    _open_menu_item(page, words, words["reconciliation"])
    page.get_by_label(words["date"]).fill(day.isoformat())
    page.get_by_label(words["file"]).set_input_files(files=[{
        "name": "fpx-settlement.csv", "mimeType": "text/csv",
        "buffer": settlement_csv(line_for(matched), line_for(mismatched, amount="39.00"))}])
    page.get_by_role("button", name=words["reconcile"]).click()

    expect(page.get_by_role("heading", name=words["result"].format(day=day.strftime("%d-%m-%Y")))).to_be_visible()
    expect(page.locator('[data-count="MATCHED"]')).to_have_text("1")
    expect(page.locator('[data-count="AMOUNT_MISMATCH"]')).to_have_text("1")
    expect(page.locator('[data-total="difference"]')).to_have_text("RM -0.30")
    row = page.locator('tr[data-kind="AMOUNT_MISMATCH"]')
    expect(row).to_contain_text(words["mismatch"])
    expect(row.get_by_role("link", name=words["payment"])).to_be_visible()
    _fits_a_phone(page)

    _open_menu_item(page, words, words["reports"])
    expect(page.get_by_role("heading", name=words["reports"], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=words["by_plan"])).to_be_visible()
    expect(page.locator('svg[data-chart="payments-by-status-count"]')).to_be_visible()
    _fits_a_phone(page)
    assert AuditEvent.objects.filter(action="reconciliation.run", actor=member.user).count() == 1
    assert AuditEvent.objects.filter(action="report.view", actor=member.user).count() == 1


def test_an_administrator_schedules_a_plan_rate_and_edits_the_terms(page):
    reference_data_ensure()
    member = make_staff("administrator-browser", Role.ADMINISTRATOR)
    words = _sign_in(page, member, "en")
    start = kl_now().date() + timedelta(days=31)

    _open_menu_item(page, words, "Reference data")
    page.get_by_role("link", name="New plan rate").click()
    page.get_by_label("Plan", exact=True).select_option(label="Plan 4")
    page.get_by_label("Monthly contribution (RM)").fill("52.00")
    page.get_by_label("Insured monthly earnings (RM)").fill("4150.00")
    page.get_by_label("In force from").fill(start.isoformat())
    page.get_by_role("button", name="Save rate").click()
    expect(page.get_by_text("The new rate was saved.")).to_be_visible()
    new_row = page.locator('tr[data-plan="4"]', has_text=start.strftime("%d-%m-%Y"))
    expect(new_row).to_contain_text("RM 52.00")
    expect(new_row).to_contain_text("no end date")
    ended = (start - timedelta(days=1)).strftime("%d-%m-%Y")
    expect(page.locator('tr[data-plan="4"]', has_text=ended)).to_contain_text("RM 49.40")
    assert Plan.objects.get(number=4, effective_from=start).monthly_contribution == 52
    _fits_a_phone(page)

    _open_menu_item(page, words, "Content pages")
    page.get_by_role("main").get_by_role("link", name="Terms & Conditions").click()
    page.get_by_label("Text (English)").fill("1. Contributions are paid online through FPX.\n2. Be honest.")
    page.get_by_label("Text (Malay)").fill("1. Caruman dibayar dalam talian melalui FPX.\n2. Jujur.")
    page.get_by_role("button", name="Save page").click()
    expect(page.get_by_text("The page was saved.")).to_be_visible()
    assert AuditEvent.objects.filter(action="content.update", actor=member.user).count() == 1

    page.goto(page.base_url + "/terms/")
    expect(page.get_by_role("listitem").filter(has_text="Be honest.")).to_be_visible()
    language_choose(page, "ms")
    expect(page.get_by_role("listitem").filter(has_text="Jujur.")).to_be_visible()
