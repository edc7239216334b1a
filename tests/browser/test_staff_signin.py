"""Staff in a real browser: from the footer's "SOCSO CMS Sign-in", username, password and a TOTP code (computed
from the device's key like an authenticator app would), in English and in Malay, for each role; then a search and
a person's page. The first sign-in enrols the app from the secret shown on the page."""

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from matrix.backoffice.models import Role
from tests.backoffice.audit_rows import audit_rows_purged  # noqa: F401 - pytest fixture
from tests.backoffice.conftest import PASSWORD, current_code, make_staff
from tests.browser.flows import language_choose
from tests.factories import person_make, reference_data_ensure, user_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_rows_purged")]

WORDS = {
    "en": {"footer": "SOCSO CMS Sign-in", "username": "Username", "password": "Password", "sign_in": "Sign in",
           "code": "Authentication code", "verify": "Verify", "home": "Staff home", "search": "Search",
           "search_field": "IC number, Self-Employed Code, name, mobile, email or receipt number",
           "registrations": "Registrations", "audit": "Audit log", "forbidden": "Not allowed",
           "menu": "Menu"},
    "ms": {"footer": "Log Masuk SOCSO CMS", "username": "Nama pengguna", "password": "Kata Laluan",
           "sign_in": "Log masuk", "code": "Kod pengesahan", "verify": "Sahkan", "home": "Laman utama kakitangan",
           "search": "Cari",
           "search_field": "Nombor KP, Kod Bekerja Sendiri, nama, telefon bimbit, e-mel atau nombor resit",
           "registrations": "Pendaftaran", "audit": "Log audit", "forbidden": "Tidak dibenarkan", "menu": "Menu"},
}


def _language(page, language: str) -> None:
    if language == "ms":
        language_choose(page, "ms")
        expect(page.locator("html")).to_have_attribute("lang", "ms")


def _password_step(page, words, username: str) -> None:
    page.get_by_role("link", name=words["footer"]).click()
    expect(page.get_by_role("heading", name=words["footer"])).to_be_visible()
    page.get_by_label(words["username"]).fill(username)
    page.get_by_label(words["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=words["sign_in"]).click()


@pytest.mark.parametrize("language", ["en", "ms"])
@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_each_role_signs_in_with_totp_searches_and_opens_a_person(page, role, language):
    reference_data_ensure()
    member = make_staff(f"{role.lower()}-{language}", role)
    person = person_make(user=user_make(full_name="NUR AINA BINTI ISMAIL"))
    words = WORDS[language]

    page.goto(page.base_url + "/")
    _language(page, language)
    _password_step(page, words, member.username)
    page.get_by_label(words["code"]).fill(current_code(member))
    page.get_by_role("button", name=words["verify"]).click()

    expect(page.get_by_role("heading", name=words["home"])).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)
    # On a phone the staff menu is folded: open it and read what this role may open.
    page.locator("summary", has_text=words["menu"]).click()
    audit_link = page.get_by_role("link", name=words["audit"])
    if role == Role.ADMINISTRATOR:
        expect(audit_link).to_be_visible()
    else:
        expect(audit_link).to_have_count(0)

    page.get_by_label(words["search_field"]).fill(person.self_employed_code)
    page.get_by_role("button", name=words["search"]).click()
    page.get_by_role("link", name="NUR AINA BINTI ISMAIL").click()
    expect(page.get_by_role("heading", name="NUR AINA BINTI ISMAIL")).to_be_visible()
    expect(page.get_by_role("heading", name=words["registrations"])).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    if role != Role.ADMINISTRATOR:
        page.goto(page.base_url + "/staff/audit/")
        expect(page.get_by_role("heading", name=words["forbidden"])).to_be_visible()


def test_the_first_sign_in_enrols_an_authenticator_app(page):
    reference_data_ensure()
    member = make_staff("newcomer", Role.OFFICER, enrolled=False)
    words = WORDS["en"]
    page.goto(page.base_url + "/")
    _password_step(page, words, member.username)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=member.user)
    assert key == device.bin_key
    page.get_by_label(words["code"]).fill(f"{totp(key):06d}")
    page.get_by_role("button", name=words["verify"]).click()
    expect(page.get_by_role("heading", name=words["home"])).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed
