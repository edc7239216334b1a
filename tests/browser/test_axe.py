"""axe-core (npm, vendored into the test from frontend/node_modules; never served by the portal) on every page of
the main journeys, at 360 px and 1280 px, in English and in Bahasa Malaysia: no WCAG 2.x A/AA violations.

Each page is loaded once per language; axe runs at both widths on the same load (the layout follows the
viewport through media queries), which keeps the test within its time budget. The person is the demo person
of `make run`, whose history holds a row in every status."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from matrix.accounts.models import User
from matrix.contributions.models import Contribution
from matrix.core.management.commands.load_demo import DEMO_ID_NUMBER
from matrix.payments.models import Payment
from matrix.registrations.models import Registration
from tests.browser.conftest import page_sign_in
from tests.factories import contribution_make, registration_make

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

AXE = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

PUBLIC = ["/", "/benefits/", "/benefits/?plan=all", "/help/", "/faq/", "/terms/", "/contact/", "/coverage-check/",
          "/accounts/login/", "/accounts/signup/", "/accounts/password/forgot/"]
SIGNED_IN = ["/accounts/mode/", "/accounts/management/", "/self-employed/", "/self-employed/dashboard/",
             "/self-employed/register/", "/self-employed/register/livestock/", "/self-employed/contributions/",
             "/self-employed/contributions/renew/", "/messages/preferences/", "/messages/history/"]


@pytest.fixture
def axe_page(browser, live_server):
    """A page whose context lets the test inject axe (bypass_csp: the portal's CSP refuses inline scripts, as it
    should; the test's own script is not the portal's)."""
    context = browser.new_context(viewport={"width": 360, "height": 900}, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    """Run axe on the page as it is; one line per violating node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']}: {node['target']} {node.get('failureSummary', '')[:160]}"
            for v in result["violations"] for node in v["nodes"]]


def widths_check(page, name: str) -> list[str]:
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{name} @{width}px {line}" for line in axe_violations(page)]
    return problems


def page_check(page, url: str) -> list[str]:
    response = page.goto(page.base_url + url)
    assert response is not None and response.status < 400, (url, response and response.status)
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        problems += [f"{url} @{width}px {line}" for line in axe_violations(page)]
    return problems


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_main_journey_pages_have_no_axe_violations(axe_page, lang):
    page = axe_page
    call_command("load_demo", verbosity=0)
    user = User.objects.get(id_number=DEMO_ID_NUMBER)
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])
    problems = []
    for url in PUBLIC:
        problems += page_check(page, url)
    # A form refused: the error summary and the inline errors.
    page.goto(page.base_url + "/accounts/signup/")
    page.locator("form[action$='/accounts/signup/'] button[type=submit]").first.click()
    page.locator("[data-error-summary]").wait_for()
    problems += widths_check(page, "signup errors")
    # Step 2 of sign-up: the OTP page.
    page.locator("#id_id_type").select_option("MYKAD")
    page.locator("#id_id_number").fill("790811087654")
    page.locator("#id_full_name").fill("AHMAD BIN ALI")
    page.locator("#id_email").fill("ahmad@gmail.com")
    page.locator("#id_mobile").fill("60108877665")
    page.locator("#id_terms").check()
    page.locator("input[name=captcha_1]").fill("PASSED")
    page.locator("form[action$='/accounts/signup/'] button[type=submit]").first.click()
    page.wait_for_url("**/accounts/signup/verify/")
    problems += widths_check(page, "signup OTP")

    page_sign_in(page, user)
    contributions = Contribution.objects.filter(registration__person__user=user)
    awaiting = contributions.filter(state=Contribution.State.AWAITING_PAYMENT, payments__isnull=True).first()
    paid = Payment.objects.filter(contribution__registration__person__user=user, status=Payment.Status.PAID).first()
    other = Payment.objects.filter(contribution__registration__person__user=user).exclude(
        status=Payment.Status.PAID).first()
    renewable = contributions.filter(state=Contribution.State.PAID).first()
    urls = SIGNED_IN + [f"/self-employed/contributions/{renewable.pk}/", f"/payments/{paid.pk}/"]
    if other is not None:
        urls.append(f"/payments/{other.pk}/")
    if awaiting is None:  # a registration awaiting payment: PAY NOW and its step indicator
        taken = Registration.objects.filter(person__user=user).values_list("sector__code", flat=True)
        sector = next(code for code in ("agent", "art", "food", "fishery") if code not in taken)
        awaiting = contribution_make(registration=registration_make(person=user.self_employed, sector=sector))
    urls.append(f"/payments/contribution/{awaiting.pk}/pay/")
    for url in urls:
        problems += page_check(page, url)
    # PAY NOW refused (terms not acknowledged): its error summary.
    page.goto(page.base_url + f"/payments/contribution/{awaiting.pk}/pay/")
    page.locator("form[data-submit-once] button[type=submit]").click()
    page.locator("[data-error-summary]").wait_for()
    problems += widths_check(page, "pay now errors")
    # The registration form refused: error summary, inline errors, the parts.
    page.goto(page.base_url + "/self-employed/register/livestock/")
    page.evaluate("document.querySelector('form[data-form-parts]').submit()")
    page.locator("[data-error-summary]").wait_for()
    problems += widths_check(page, "registration errors")
    assert not problems, "\n".join(problems)
