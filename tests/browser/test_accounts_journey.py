"""The whole first-time journey of the seed ("First Time Log in" 01-08 and "Select Mode"), in a real browser,
in English and in Bahasa Malaysia: sign up, OTP from the outbox, activation link from the outbox, activation,
two-step login with the secret phrase, the mode page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.flows import language_choose

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "create": "New to the site? Create MATRIX account",
        "signup": "Sign Up",
        "id_type": "Select ID Type",
        "ic": "IC Number (e.g. 790811087654)",
        "name": "Full Name As In Identity Card Number",
        "email": "Email (e.g. ahmad@gmail.com)",
        "mobile": "Mobile Number (e.g. 60108877665)",
        "terms": "I have read and agree to the Terms and Conditions",
        "captcha": "Type the text",
        "next": "Next",
        "otp_title": "Sign Up - OTP Verification",
        "otp": "OTP Number",
        "continue": "Continue",
        "resend": "Resend",
        "done": "Sign Up Successful",
        "thanks": "Thank you for registering at MATRIX.",
        "sent": "A verification email has been sent to your email.",
        "activation": "Account Activation",
        "login_ic": "IC Number",
        "phrase": "Secret Phrase",
        "password": "Password",
        "password2": "Password Confirm",
        "success": "Success! You have joined the MATRIX.",
        "login": "Log In",
        "new_ic": "New IC",
        "note": "If this is not the secret phrase you have set, please do NOT login",
        "last_login": "Last Login Successful on",
        "one_account": "One Account. All of MATRIX",
        "self_employed": "I'M SELF-EMPLOYED",
        "unavailable": "Unavailable",
    },
    "ms": {
        "create": "Baharu di laman ini? Cipta akaun MATRIX",
        "signup": "Daftar",
        "id_type": "Pilih Jenis ID",
        "ic": "Nombor Kad Pengenalan (cth. 790811087654)",
        "name": "Nama Penuh Seperti Dalam Kad Pengenalan",
        "email": "E-mel (cth. ahmad@gmail.com)",
        "mobile": "Nombor Telefon Bimbit (cth. 60108877665)",
        "terms": "Saya telah membaca dan bersetuju dengan Terma dan Syarat",
        "captcha": "Taip teks",
        "next": "Seterusnya",
        "otp_title": "Daftar - Pengesahan OTP",
        "otp": "Nombor OTP",
        "continue": "Teruskan",
        "resend": "Hantar Semula",
        "done": "Pendaftaran Berjaya",
        "thanks": "Terima kasih kerana mendaftar di MATRIX.",
        "sent": "E-mel pengesahan telah dihantar ke e-mel anda.",
        "activation": "Pengaktifan Akaun",
        "login_ic": "Nombor Kad Pengenalan",
        "phrase": "Frasa Rahsia",
        "password": "Kata Laluan",
        "password2": "Pengesahan Kata Laluan",
        "success": "Berjaya! Anda telah menyertai MATRIX.",
        "login": "Log Masuk",
        "new_ic": "Kad Pengenalan Baharu",
        "note": "Jika ini bukan frasa rahsia yang anda tetapkan, sila JANGAN log masuk",
        "last_login": "Log Masuk Terakhir Berjaya pada",
        "one_account": "Satu Akaun. Semua MATRIX",
        "self_employed": "SAYA BEKERJA SENDIRI",
        "unavailable": "Tidak Tersedia",
    },
}

PEOPLE = {
    "en": {"ic": "790811-08-7654", "ic_compact": "790811087654", "mobile": "60108877665", "email": "ahmad@gmail.com"},
    "ms": {"ic": "850505-14-5557", "ic_compact": "850505145557", "mobile": "60198877665", "email": "siti@gmail.com"},
}


def outbox_text(page, channel: str, to: str) -> str:
    outbox = page.context.new_page()
    outbox.goto(page.base_url + "/dev/outbox/")
    text = outbox.locator(f'li[data-channel="{channel}"][data-to="{to}"] .message-body').first.inner_text()
    outbox.close()
    return text


@pytest.mark.parametrize("language", ["en", "ms"])
def test_first_time_sign_up_activation_and_login(page, settings, language):
    settings.PORTAL_BASE_URL = page.base_url
    w, person = WORDS[language], PEOPLE[language]
    phrase, password = "Teh tarik after sunset", "my own long passphrase for MATRIX 2026"

    page.goto(page.base_url + "/")
    if language == "ms":
        language_choose(page, "ms")
        expect(page.locator("html")).to_have_attribute("lang", "ms")

    # 01-02. Sign Up.
    page.get_by_role("link", name=w["create"]).click()
    expect(page.get_by_role("heading", name=w["signup"], exact=True)).to_be_visible()
    page.get_by_label(w["id_type"]).select_option("MYKAD")
    page.get_by_label(w["ic"]).fill(person["ic"])
    page.get_by_label(w["name"]).fill("AHMAD BIN ALI")
    page.get_by_label(w["email"]).fill(person["email"])
    page.get_by_label(w["mobile"]).fill(person["mobile"])
    page.get_by_label(w["terms"]).check()
    page.get_by_label(w["captcha"]).fill("PASSED")
    page.get_by_role("button", name=w["next"]).click()

    # 03. OTP Verification: the code comes by SMS (here: the outbox).
    expect(page.get_by_role("heading", name=w["otp_title"])).to_be_visible()
    expect(page.get_by_role("button", name=w["resend"])).to_be_visible()
    sms = outbox_text(page, "SMS", person["mobile"])
    code = re.search(r"\b(\d{6})\b", sms).group(1)
    page.get_by_label(w["otp"]).fill(code)
    page.get_by_role("button", name=w["continue"]).click()

    # 04. Sign Up Successful.
    expect(page.get_by_role("heading", name=w["done"])).to_be_visible()
    expect(page.get_by_text(w["thanks"])).to_be_visible()
    expect(page.get_by_text(w["sent"])).to_be_visible()

    # 05. The verification email (bilingual) carries the activation link.
    email = outbox_text(page, "EMAIL", person["email"])
    assert "Sila klik disini" in email and "Please click here" in email
    link = re.search(r"https?://\S+/accounts/activate/[\w-]+/", email).group(0)
    assert link.startswith(page.base_url)
    page.goto(link)

    # 06. Account Activation: everything filled in but the secret phrase and the passwords.
    expect(page.get_by_role("heading", name=w["activation"])).to_be_visible()
    expect(page.get_by_label(w["login_ic"], exact=True)).to_have_value(person["ic_compact"])
    page.get_by_label(w["phrase"]).fill(phrase)
    page.get_by_label(w["password"], exact=True).fill(password)
    page.get_by_label(w["password2"]).fill(password)
    page.get_by_role("button", name=w["next"]).click()

    # 07. Log In: IC number, Next.
    expect(page.get_by_text(w["success"])).to_be_visible()
    expect(page.get_by_role("heading", name=w["login"])).to_be_visible()
    page.get_by_label(w["login_ic"], exact=True).fill(person["ic"])
    page.get_by_role("button", name=w["next"]).click()

    # 08. The secret phrase, the note, the IC, the password.
    expect(page.get_by_text(w["note"])).to_be_visible()
    expect(page.get_by_label(w["phrase"])).to_have_value(phrase)
    expect(page.get_by_label(w["new_ic"])).to_have_value(person["ic_compact"])
    page.get_by_label(w["password"], exact=True).fill(password)
    page.get_by_role("button", name=w["login"], exact=True).click()

    # Select Mode.
    expect(page.get_by_text(w["last_login"])).to_be_visible()
    stamp = re.compile(re.escape(w["last_login"]) + r" \d\d-\d\d-\d{4} \d\d:\d\d:\d\d")
    expect(page.get_by_text(stamp)).to_be_visible()
    expect(page.get_by_role("heading", name=w["one_account"])).to_be_visible()
    expect(page.get_by_role("link", name=w["self_employed"])).to_be_visible()
    expect(page.get_by_text(w["unavailable"])).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
