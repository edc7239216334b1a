"""The usability review's fixes (issue 12, items 1, 5, 7-13), each in English and in Bahasa Malaysia, in a real
browser: what Payment Details says after an interrupted bank visit, one language control and a compact phone
header, an error summary that names its fields, "Step x of y" and a registration form in parts, what Pay Now
buys, the print stylesheet, the session warning's countdown and Log out, readable badges and underlined links,
one date format, one case for sectors, the footer's links and the favicon."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from matrix.core.coverage import coverage_end
from matrix.core.kltime import kl_format
from matrix.payments.models import Payment
from matrix.payments.services import payment_start
from tests.browser.conftest import page_sign_in
from tests.browser.flows import language_choose, next_part
from tests.conftest import second_factor_verified
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db(transaction=True)

LANGS = ["en", "ms"]
W = {
    "en": {"step4": "Step 4 of 7", "step7": "Step 7 of 7", "step1_signup": "Step 1 of 4", "step2_reg": "Step 2 of 7",
           "sector": "INFORMATION TECHNOLOGY", "months": "4 Month(s)", "if_today": "if you pay today",
           "no_money": "No money was taken from your account for this attempt.", "pay_again": "Pay Again",
           "part1": "Part 1 of 5", "part2": "Part 2 of 5", "continue": "Continue", "previous": "Previous",
           "languages": "Languages (Bahasa)", "other": "ms", "log_out": "Log out", "left": "You will be signed out in",
           "cms": "SOCSO CMS Sign-in", "resend": "Send me a new activation link", "problem": "There is a problem",
           "next": "Next", "unavailable": "Unavailable", "login": "Login"},
    "ms": {"step4": "Langkah 4 daripada 7", "step7": "Langkah 7 daripada 7", "step1_signup": "Langkah 1 daripada 4",
           "step2_reg": "Langkah 2 daripada 7", "sector": "TEKNOLOGI MAKLUMAT", "months": "4 Bulan",
           "if_today": "jika anda membayar hari ini",
           "no_money": "Tiada wang diambil daripada akaun anda bagi cubaan ini.", "pay_again": "Bayar Semula",
           "part1": "Bahagian 1 daripada 5", "part2": "Bahagian 2 daripada 5", "continue": "Teruskan",
           "previous": "Sebelumnya", "languages": "Bahasa (Languages)", "other": "en", "log_out": "Log keluar",
           "left": "Anda akan dilog keluar dalam", "cms": "Log Masuk SOCSO CMS",
           "resend": "Hantar pautan pengaktifan baharu kepada saya", "problem": "Terdapat masalah",
           "next": "Seterusnya", "unavailable": "Tidak Tersedia", "login": "Log Masuk"},
}


def in_language(page, lang: str) -> None:
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])


@pytest.fixture
def payer(page):
    """A signed-in person with a submitted INFORMATION TECHNOLOGY registration awaiting payment (4 months)."""
    person = person_make()
    contribution = contribution_make(registration=registration_make(person=person))
    page_sign_in(page, person.user)
    return contribution


@pytest.mark.parametrize("lang", LANGS)
def test_pay_now_says_what_it_buys_and_payment_details_what_happened(page, payer, lang):
    """Items 1, 8, 9, 10 and 13 (sector case): Pay Now shows sector, months and the cover; a refused attempt
    says no money was taken and offers Pay Again; printing shows the content without header, menus or buttons."""
    in_language(page, lang)
    w = W[lang]
    page.goto(f"{page.base_url}/payments/contribution/{payer.pk}/pay/")
    expect(page.get_by_test_id("step-of")).to_have_text(w["step4"])
    expect(page.get_by_test_id("pay-sector")).to_have_text(w["sector"])
    expect(page.get_by_test_id("pay-months")).to_have_text(w["months"])
    end = kl_format(coverage_end(start=timezone.now(), months=4))
    expect(page.get_by_test_id("pay-cover")).to_contain_text(end)
    expect(page.get_by_test_id("pay-cover")).to_contain_text(w["if_today"])

    payment = payment_start(contribution=payer, user=payer.registration.person.user, bank_code="ABB0233").payment
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, debit_auth_code="51",
                                                 settled_at=timezone.now())
    page.goto(f"{page.base_url}/payments/{payment.pk}/")
    expect(page.get_by_test_id("step-of")).to_have_text(w["step7"])
    expect(page.get_by_test_id("money-taken")).to_have_text(w["no_money"])
    expect(page.get_by_role("link", name=w["pay_again"])).to_be_visible()
    expect(page.locator("dt:has-text('Sector') + dd, dt:has-text('Sektor') + dd").first).to_have_text(w["sector"])

    page.emulate_media(media="print")
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_test_id("payment-notice")).to_be_visible()
    for hidden in ("header.site-header", "footer.site-footer", "nav.portal-sidebar"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.get_by_role("link", name=w["pay_again"])).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.locator("header.site-header")).to_be_visible()


@pytest.mark.parametrize("lang", LANGS)
def test_sign_up_error_summary_names_each_field(page, lang):
    """Items 7 and 8: every line of the summary starts with its field's label; the step is shown."""
    in_language(page, lang)
    w = W[lang]
    page.goto(page.base_url + "/accounts/signup/")
    expect(page.get_by_test_id("step-of")).to_have_text(w["step1_signup"])
    page.locator("form[action$='/accounts/signup/']").get_by_role("button", name=w["next"], exact=True).click()
    summary = page.locator("[data-error-summary]")
    expect(summary.get_by_role("heading", name=w["problem"])).to_be_visible()
    links = summary.locator("a")
    assert links.count() >= 5
    labels = set()
    for link in links.all():
        target = link.get_attribute("href")[1:]
        label = page.locator(f"label[for='{target}']").first.inner_text().strip()
        label = re.sub(r"\s*\(.*\)$", "", label)  # "(optional)" or an example is not part of the name
        assert link.inner_text().startswith(label.split(" (")[0]), (link.inner_text(), label)
        labels.add(label)
    assert len(labels) == links.count()  # no two lines alike


@pytest.mark.parametrize("lang", LANGS)
def test_one_language_control_and_a_compact_phone_header(page, payer, lang):
    """Item 5: on a phone one visible control, readable and not clipped, content starting high; on a desktop the
    control sits in the sidebar under SETTINGS. Choosing a language keeps the page."""
    in_language(page, lang)
    w = W[lang]
    page.goto(page.base_url + "/self-employed/")
    controls = page.locator("details[data-language-switch]:visible")
    expect(controls).to_have_count(1)
    summary = controls.locator("summary")
    expect(summary).to_contain_text(w["languages"])
    box = summary.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert summary.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert page.locator("h1").bounding_box()["y"] < 220  # the header and menu take little room on a phone

    page.set_viewport_size({"width": 1280, "height": 900})
    expect(controls).to_have_count(1)
    expect(page.locator("nav.portal-sidebar details[data-language-switch]:visible")).to_have_count(1)

    language_choose(page, w["other"])
    expect(page.locator("html")).to_have_attribute("lang", w["other"])
    assert page.url.endswith("/self-employed/")


@pytest.mark.parametrize("lang", LANGS)
def test_registration_form_in_parts_keeps_what_was_entered(page, lang):
    """Item 8: on a phone the form shows one part at a time; moving between parts loses nothing. On a desktop
    every part shows."""
    page_sign_in(page, user_make())
    in_language(page, lang)
    w = W[lang]
    page.goto(page.base_url + "/self-employed/register/information-technology/")
    expect(page.get_by_test_id("step-of")).to_have_text(w["step2_reg"])
    expect(page.locator("[data-part-status]")).to_have_text(w["part1"])
    page.locator("#id_race").select_option(index=1)
    chosen = page.locator("#id_race").input_value()
    expect(page.locator("#id_address_line_1")).to_be_hidden()
    expect(page.locator("[data-form-part]:not(.part-hidden)").get_by_role("button", name=w["continue"])).to_be_visible()
    next_part(page)
    expect(page.locator("[data-part-status]")).to_have_text(w["part2"])
    page.locator("#id_address_line_1").fill("No. 61 1st Floor")
    page.locator("[data-form-part]:not(.part-hidden)").get_by_role("button", name=w["previous"]).click()
    expect(page.locator("#id_race")).to_have_value(chosen)
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("#id_address_line_1")).to_have_value("No. 61 1st Floor")
    expect(page.locator("#id_race")).to_be_visible()
    expect(page.locator("#id_address_line_1")).to_be_visible()
    expect(page.locator("[data-part-next]")).to_have_count(4)
    expect(page.locator("[data-part-next]").first).to_be_hidden()


@pytest.mark.parametrize("lang", LANGS)
def test_session_warning_says_how_long_is_left_and_logs_out(page, settings, lang):
    """Item 11: the browser's clock is driven by the test (Playwright's clock), so nothing waits for real time."""
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 900
    settings.SESSION_WARNING_SECONDS = 120
    page_sign_in(page, user_make())
    in_language(page, lang)
    w = W[lang]
    page.clock.install()
    page.goto(page.base_url + "/self-employed/")
    dialog = page.locator("#session-timeout")
    expect(dialog).to_be_hidden()
    page.clock.run_for((900 - 120) * 1000 + 100)
    expect(dialog).to_be_visible()
    left = dialog.locator("[data-session-left]")
    # The page's clock also moves with real time between the test's steps, so the figures are read, not guessed.
    expect(left).to_have_text(re.compile(re.escape(w["left"]) + r" [12] min \d+ s\.$"))
    before = seconds_left(left.inner_text())
    assert 60 < before <= 120
    page.clock.run_for(61_000)
    expect(left).not_to_have_text(re.compile(r" min "))
    after = seconds_left(left.inner_text())
    assert after <= before - 61 and re.fullmatch(re.escape(w["left"]) + r" \d+ s\.", left.inner_text())
    dialog.get_by_role("button", name=w["log_out"]).click()
    expect(page.get_by_role("link", name=w["login"], exact=True).first).to_be_visible()


def seconds_left(text: str) -> int:
    minutes = re.search(r"(\d+) min", text)
    return (int(minutes.group(1)) * 60 if minutes else 0) + int(re.search(r"(\d+) s\.$", text).group(1))


def contrast(page, selector: str) -> float:
    """WCAG contrast ratio of an element's text colour on its own (opaque) background."""
    return page.locator(selector).first.evaluate("""e => {
        const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const linear = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
        const lum = c => { const [r, g, b] = c.map(linear); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const style = getComputedStyle(e);
        const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
    }""")


@pytest.mark.parametrize("lang", LANGS)
def test_badges_are_readable_and_links_are_underlined(page, lang):
    """Item 12 and item 13's date: Select Mode's badges at 4.5:1 or more, its date as dd-mm-yyyy; the resend
    link is underlined, not told apart by colour alone."""
    user = user_make()
    type(user).objects.filter(pk=user.pk).update(last_login=timezone.now() - timedelta(days=1))
    page_sign_in(page, user)
    in_language(page, lang)
    w = W[lang]
    page.goto(page.base_url + "/accounts/mode/")
    expect(page.locator(".badge-unavailable", has_text=w["unavailable"])).to_have_count(2)
    assert contrast(page, ".badge-unavailable") >= 4.5
    expect(page.locator("main p").first).to_have_text(re.compile(r"\d\d-\d\d-\d{4} \d\d:\d\d:\d\d$"))
    for badge in ("submitted", "active", "expired"):
        page.evaluate(f"document.querySelector('main').insertAdjacentHTML('beforeend', "
                      f"'<span class=\"badge-{badge}\">X</span>')")
        assert contrast(page, f".badge-{badge}") >= 4.5, badge

    page.context.clear_cookies()
    in_language(page, lang)
    page.goto(page.base_url + "/accounts/activate/not-a-real-link/")
    link = page.get_by_role("link", name=w["resend"])
    expect(link).to_be_visible()
    assert "underline" in link.evaluate("e => getComputedStyle(e).textDecorationLine")


@pytest.mark.parametrize("lang", LANGS)
def test_footer_links_and_favicon(page, lang):
    """Item 13: "SOCSO CMS Sign-in" leads to the staff sign-in; no request of the page fails (the favicon is
    declared and served)."""
    in_language(page, lang)
    w = W[lang]
    failed = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    page.goto(page.base_url + "/accounts/login/")
    icon = page.locator("link[rel='icon']").get_attribute("href")
    assert page.request.get(page.base_url + icon).status == 200
    page.locator("footer").get_by_role("link", name=w["cms"]).click()
    expect(page).to_have_url(page.base_url + reverse("backoffice:login"))
    assert failed == []


def test_the_outbox_link_shows_only_to_local_or_staff_viewers(settings):
    settings.OUTBOX_ENABLED = True
    outbox = 'href="/dev/outbox/"'
    remote = Client(REMOTE_ADDR="203.0.113.9")
    assert outbox not in remote.get("/").content.decode()
    assert outbox in Client(REMOTE_ADDR="127.0.0.1").get("/").content.decode()
    # Staff see it where the outbox opens for them: signed in past the second factor.
    staff, member = Client(REMOTE_ADDR="203.0.113.9"), user_make(is_staff=True)
    staff.force_login(member)
    assert outbox not in staff.get("/").content.decode()
    second_factor_verified(staff, member)
    assert outbox in staff.get("/").content.decode()
    settings.OUTBOX_ENABLED = False
    assert outbox not in Client(REMOTE_ADDR="127.0.0.1").get("/").content.decode()


@pytest.mark.parametrize("lang", LANGS)
def test_without_javascript_the_registration_form_shows_every_part(browser, live_server, lang):
    """The parts are an enhancement: with JavaScript off a phone shows the whole form and its Next button."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, java_script_enabled=False)
    page = context.new_page()
    page.base_url = live_server.url
    page_sign_in(page, user_make())
    in_language(page, lang)
    page.goto(page.base_url + "/self-employed/register/information-technology/")
    for field in ("#id_race", "#id_address_line_1", "#id_sector_class", "#id_months", "#id_acknowledged"):
        expect(page.locator(field)).to_be_visible()
    expect(page.locator("[data-part-next]").first).to_be_hidden()
    expect(page.get_by_role("button", name=W[lang]["next"], exact=True)).to_be_visible()
    context.close()
