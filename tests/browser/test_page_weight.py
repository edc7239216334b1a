"""Each page of the main journeys transfers at most 150 KB compressed on a first load (empty cache): the sum of
the gzip sizes of the document and every subresource it loads (WhiteNoise serves static files pre-compressed;
the live test server does not compress, so the test compresses each body itself). And at 200% zoom (a 1280 px
window shows 640 CSS px) every page still fits its width, with its main heading and content reachable."""

import gzip

import pytest
from django.core.management import call_command

from matrix.accounts.models import User
from matrix.contributions.models import Contribution
from matrix.core.management.commands.load_demo import DEMO_ID_NUMBER
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in
from tests.browser.test_axe import PUBLIC, SIGNED_IN

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

BUDGET = 150 * 1024


def demo_urls() -> tuple[User, list[str]]:
    call_command("load_demo", verbosity=0)
    user = User.objects.get(id_number=DEMO_ID_NUMBER)
    contributions = Contribution.objects.filter(registration__person__user=user)
    paid = Payment.objects.filter(contribution__registration__person__user=user, status=Payment.Status.PAID).first()
    renewable = contributions.filter(state=Contribution.State.PAID).first()
    awaiting = contributions.filter(state=Contribution.State.AWAITING_PAYMENT, payments__isnull=True).first()
    urls = SIGNED_IN + [f"/self-employed/contributions/{renewable.pk}/", f"/payments/{paid.pk}/"]
    if awaiting is not None:
        urls.append(f"/payments/contribution/{awaiting.pk}/pay/")
    return user, urls


def first_load_bytes(browser, base_url: str, url: str, user: User | None) -> tuple[int, list[str]]:
    context = browser.new_context(viewport={"width": 360, "height": 780})
    page = context.new_page()
    page.base_url = base_url
    if user is not None:
        page_sign_in(page, user)
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(base_url + url, wait_until="load")
    total, parts = 0, []
    for response in responses:
        if response.status in (301, 302, 303, 304, 307, 308):
            continue
        size = len(gzip.compress(response.body(), compresslevel=6))
        total += size
        parts.append(f"{response.url.removeprefix(base_url)} {size} B")
    context.close()
    return total, parts


def test_each_main_page_transfers_at_most_150_kb(browser, live_server):
    user, urls = demo_urls()
    heavy = []
    for url in PUBLIC:
        total, parts = first_load_bytes(browser, live_server.url, url, None)
        if total > BUDGET:
            heavy.append((url, total, parts))
    for url in urls:
        total, parts = first_load_bytes(browser, live_server.url, url, user)
        assert total > 2000, (url, parts)  # the measurement saw the page
        if total > BUDGET:
            heavy.append((url, total, parts))
    assert not heavy, heavy


def test_every_main_page_is_usable_at_200_percent_zoom(page):
    """200% of a 1280 x 900 window: 640 x 450 CSS px. No sideways scrolling; the heading is on the page and the
    page's main action can be scrolled into view."""
    user, urls = demo_urls()
    page.set_viewport_size({"width": 640, "height": 450})
    for url in PUBLIC:
        zoom_check(page, url)
    page_sign_in(page, user)
    for url in urls:
        zoom_check(page, url)


def zoom_check(page, url: str) -> None:
    response = page.goto(page.base_url + url)
    assert response is not None and response.status < 400, url
    assert page.evaluate("document.documentElement.scrollWidth") <= 640, url
    heading = page.locator("h1")
    heading.scroll_into_view_if_needed()
    box = heading.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 640, url
    action = page.locator("main .btn-primary:visible").last
    if action.count():
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 640, url
