"""Public pages in real Chromium, in English and Bahasa Malaysia, on a 360-pixel phone and a 1280-pixel desktop:
home for a visitor and for a signed-in person, the benefits calculator with and without JavaScript, the coverage
check, and the error pages (404, CSRF failure) with their way back."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from tests.browser.conftest import page_sign_in
from tests.factories import contribution_make, person_make, registration_make, user_make

# Engine-independent and slow (four views of each page): the SQLite pass only. The reads they show run on PostgreSQL
# in tests/pages.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

WIDTHS = (360, 1280)
LANGUAGES = ("en", "ms")
T = {  # what the person reads, in each language
    "en": {"what": "What is the Self-Employment Social Security Scheme?", "who": "Who must register?",
           "hawker": "HAWKER", "fine": "a fine of up to RM10,000",
           "login_card": "New to the site? Create MATRIX account",
           "your_cover": "Your cover", "renew": "Renew Now", "dashboard": "Dashboard", "plan2": "Plan 2",
           "compare": "Compare all plans", "show": "Show benefits", "summary2": "With Plan 2 you pay RM 19.40 a month",
           "ic": "IC Number", "sector": "Sector", "check": "Check coverage", "covered": "Covered until",
           "not_covered": "Not covered", "not_found": "Page not found", "home": "Go to the home page",
           "expired": "This form has expired", "again": "Open the page again", "plan4": "Plan 4",
           "summary4": "With Plan 4 you pay RM 49.40 a month"},
    "ms": {"what": "Apakah Skim Keselamatan Sosial Pekerjaan Sendiri?", "who": "Siapa yang wajib mendaftar?",
           "hawker": "Penjaja", "fine": "denda sehingga RM10,000",
           "login_card": "Baharu di laman ini? Cipta akaun MATRIX",
           "your_cover": "Perlindungan anda", "renew": "Perbaharui Sekarang", "dashboard": "Papan Pemuka",
           "plan2": "Pelan 2", "compare": "Bandingkan semua pelan", "show": "Tunjukkan faedah",
           "summary2": "Dengan Pelan 2 anda membayar RM 19.40 sebulan", "ic": "Nombor Kad Pengenalan",
           "sector": "Sektor", "check": "Semak perlindungan", "covered": "Dilindungi sehingga",
           "not_covered": "Tidak dilindungi", "not_found": "Laman tidak dijumpai", "home": "Pergi ke halaman utama",
           "expired": "Borang ini telah tamat tempoh", "again": "Buka halaman sekali lagi", "plan4": "Pelan 4",
           "summary4": "Dengan Pelan 4 anda membayar RM 49.40 sebulan"},
}


def _each_view(browser, live_server, **context_options):
    """One fresh page per language (cookies: the language only). The flows run on a phone in English and on a
    desktop in Malay; what they show is checked at both widths on the same load (`_at_both_widths`)."""
    for lang, width in (("en", 360), ("ms", 1280)):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB", **context_options)
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        page = context.new_page()
        page.base_url = live_server.url
        try:
            yield page, lang, width
        finally:
            context.close()


def _at_both_widths(page, check) -> None:
    """Run `check(width)` at 360 and at 1280 px (the layout follows the viewport), then go back to the page's
    own width. Each check also asserts that nothing scrolls sideways."""
    own = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        check(width)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size(own)


def _paid(registration, start, months):
    return contribution_make(registration=registration, months=months, state=Contribution.State.PAID,
                             start_at=start, end_at=coverage_end(start=start, months=months), paid_at=start)


def test_home_for_a_visitor(browser, live_server):
    for page, lang, _width in _each_view(browser, live_server):
        t = T[lang]
        page.goto(page.base_url + "/")
        expect(page.locator("html")).to_have_attribute("lang", lang)

        def shown(width):
            expect(page.get_by_role("heading", name=t["what"])).to_be_visible()
            expect(page.get_by_role("heading", name=t["who"])).to_be_visible()
            expect(page.locator("[data-compulsory-sectors]").get_by_text(t["hawker"], exact=True)).to_be_visible()
            expect(page.locator("[data-fines]")).to_contain_text(t["fine"])
            expect(page.locator("[data-plans] [data-plan='4'] [data-annual]")).to_have_text("RM 592.80")
            expect(page.get_by_role("link", name=t["login_card"])).to_be_visible()

        _at_both_widths(page, shown)


def test_home_for_a_signed_in_person(browser, live_server):
    user = user_make()
    person = person_make(user=user)
    now = timezone.now()
    _paid(registration_make(person=person, sector="hawker"), now - timedelta(days=5), 3)
    ended = registration_make(person=person, sector="fishery")
    _paid(ended, now - timedelta(days=100), 1)
    for page, lang, _width in _each_view(browser, live_server):
        t = T[lang]
        page_sign_in(page, user)
        page.goto(page.base_url + "/")
        card = page.locator("[data-home-cover]")

        def shown(width):
            expect(card.get_by_role("heading", name=t["your_cover"])).to_be_visible()
            expect(page.get_by_text(t["login_card"])).to_have_count(0)
            expect(card.locator("[data-sector='hawker'][data-cover-state='active']")).to_be_visible()
            expect(card.locator("[data-sector='fishery'][data-cover-state='expired']")).to_be_visible()
            expect(card.get_by_role("link", name=t["renew"])).to_have_attribute(
                "href", f"/self-employed/contributions/renew/{ended.pk}/")

        _at_both_widths(page, shown)
        card.get_by_role("link", name=t["dashboard"], exact=True).click()
        expect(page.get_by_role("heading", name=t["dashboard"], exact=True)).to_be_visible()


def test_benefits_calculator_updates_as_you_choose(browser, live_server):
    for page, lang, _width in _each_view(browser, live_server):
        t = T[lang]
        page.goto(page.base_url + "/benefits/")
        page.evaluate("window.__samePage = true")
        expect(page.locator("[data-benefits-form][data-live]")).to_have_count(1)
        expect(page.get_by_role("button", name=t["show"])).to_be_hidden()
        expect(page.locator("[data-plan-row='1']")).to_be_visible()
        page.get_by_label(t["plan2"], exact=True).check()

        def shown(width):
            expect(page.locator("[data-plan-summary='2']")).to_contain_text(t["summary2"])
            expect(page.locator("[data-plan-row='1']")).to_be_hidden()
            expect(page.locator("[data-plan-row='2'] [data-daily]")).to_have_text("RM 41.33")

        _at_both_widths(page, shown)
        expect(page).to_have_url(page.base_url + "/benefits/?plan=2")
        assert page.evaluate("window.__samePage") is True  # no reload: the script did it
        page.get_by_label(t["compare"]).check()
        expect(page.locator("[data-plan-row='1']")).to_be_visible()
        expect(page.locator("[data-plan-summary='2']")).to_be_hidden()


def test_benefits_calculator_without_javascript(browser, live_server):
    for page, lang, _width in _each_view(browser, live_server, java_script_enabled=False):
        t = T[lang]
        page.goto(page.base_url + "/benefits/")
        page.get_by_label(t["plan4"], exact=True).check()
        page.get_by_role("button", name=t["show"]).click()
        expect(page).to_have_url(page.base_url + "/benefits/?plan=4#h-calculator")

        def shown(width):
            expect(page.locator("[data-plan-summary='4']")).to_contain_text(t["summary4"])
            expect(page.locator("[data-plan-row='4'] [data-daily]")).to_have_text("RM 105.33")
            expect(page.locator("[data-plan-row='3']")).to_be_hidden()

        _at_both_widths(page, shown)


def test_coverage_check(browser, live_server):
    registration = registration_make(sector="hawker")
    _paid(registration, timezone.now() - timedelta(days=1), 2)
    ic = registration.person.user.id_number
    sector = {"en": "HAWKER", "ms": "Penjaja"}
    for page, lang, _width in _each_view(browser, live_server):
        t = T[lang]
        page.goto(page.base_url + "/coverage-check/")
        page.get_by_label(t["ic"]).fill(f"{ic[:6]}-{ic[6:8]}-{ic[8:]}")
        page.get_by_label(t["sector"]).select_option(label=sector[lang])
        page.get_by_role("button", name=t["check"]).click()
        _at_both_widths(page, lambda width: expect(page.locator("[data-coverage-answer='covered']")).to_contain_text(
            t["covered"]))
        page.get_by_label(t["ic"]).fill("900101149999")
        page.get_by_label(t["sector"]).select_option(label=sector[lang])
        page.get_by_role("button", name=t["check"]).click()
        _at_both_widths(page, lambda width: expect(
            page.locator("[data-coverage-answer='not-covered']")).to_contain_text(t["not_covered"]))
        expect(page.get_by_text("SITI")).to_have_count(0)


def test_error_pages_with_a_way_back(browser, live_server):
    for page, lang, _width in _each_view(browser, live_server):
        t = T[lang]
        response = page.goto(page.base_url + "/no-such-page/")
        assert response.status == 404
        expect(page.locator("html")).to_have_attribute("lang", lang)
        _at_both_widths(page, lambda width: expect(
            page.get_by_role("heading", name=t["not_found"], exact=True)).to_be_visible())
        page.get_by_role("link", name=t["home"]).click()
        expect(page.get_by_role("heading", name=t["who"])).to_be_visible()

        # A form whose CSRF cookie has gone (cookies cleared, another device): the portal's page, then back.
        page.goto(page.base_url + "/coverage-check/")
        page.context.clear_cookies(name="csrftoken")
        page.get_by_label(t["ic"]).fill("900101141234")
        page.get_by_role("button", name=t["check"]).click()
        _at_both_widths(page, lambda width: expect(page.get_by_role("heading", name=t["expired"])).to_be_visible())
        page.get_by_role("link", name=t["again"]).click()
        expect(page.get_by_role("button", name=t["check"])).to_be_visible()
