"""The interactive API docs work in real Chromium under the portal's Content Security Policy: Swagger UI loads from
this server's static files, draws every area, and the browser reports no CSP violation."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page  # noqa: F401 - the fixture

# Engine-independent and slow (a 1.5 MB script through the live server): the SQLite pass only.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_under_the_csp(page):  # noqa: F811 - the imported fixture
    violations, requests = [], []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page.base_url + "/api/v1/docs", timeout=60_000)
    expect(page.get_by_role("heading", name="MATRIX API")).to_be_visible()
    expect(page.get_by_text("Sign-up and login", exact=True)).to_be_visible()
    expect(page.get_by_text("/api/v1/auth/login/password", exact=True)).to_be_visible()
    assert violations == []
    assert requests and all(url.startswith(page.base_url) for url in requests), requests
