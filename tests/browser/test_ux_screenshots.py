"""`make screenshots`: PNGs of the main pages at 360 and 1280 px in English and Bahasa Malaysia, written to
var/screenshots/ (ignored by git) so a reviewer can look at every page without clicking through. Run by the
suite as a small bounded version (two pages, one width, one language, into a temporary folder); the make target
sets SCREENSHOTS_ALL=1 and SCREENSHOTS_DIR."""

import os
import re
from pathlib import Path

import pytest

from tests.browser.conftest import page_sign_in
from tests.browser.test_axe import PUBLIC
from tests.browser.test_page_weight import demo_urls

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]

PNG = b"\x89PNG\r\n\x1a\n"


def slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def test_screenshots_of_the_main_pages(browser, live_server, tmp_path):
    full = os.environ.get("SCREENSHOTS_ALL") == "1"
    folder = Path(os.environ["SCREENSHOTS_DIR"]) if full and os.environ.get("SCREENSHOTS_DIR") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    user, signed_in = demo_urls()
    public = PUBLIC if full else ["/"]
    signed_in = signed_in if full else ["/self-employed/"]
    written = []
    for lang in (("en", "ms") if full else ("en",)):
        for width in ((360, 1280) if full else (360,)):
            context = browser.new_context(viewport={"width": width, "height": 900})
            page = context.new_page()
            page.base_url = live_server.url
            page.context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
            for index, url in enumerate(public + signed_in):
                if index == len(public):
                    page_sign_in(page, user)
                page.goto(live_server.url + url)
                path = folder / f"{lang}-{width}-{slug(url)}.png"
                page.screenshot(path=str(path), full_page=True)
                written.append(path)
            context.close()
    assert written and all(path.read_bytes().startswith(PNG) for path in written)
    if full:
        print(f"\n{len(written)} screenshots in {folder}")
