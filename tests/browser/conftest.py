"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright for Python against Django's live
server. `playwright install` cannot download here, so the system browser is launched by path."""

import os
import threading

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on a phone-sized screen, with `page.base_url` set."""
    context = browser.new_context(viewport={"width": 360, "height": 780}, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def page_sign_in(page, user) -> None:
    """Put a signed-in session for `user` into the page's browser context (for tests whose subject is not the
    login journey itself; the accounts browser tests log in through the pages)."""
    from urllib.parse import urlparse

    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    host = urlparse(page.base_url).hostname
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "domain": host, "path": "/"}])


class OneRequestAtATime:
    """Wraps the live server's WSGI application so that requests run one at a time (like the embedded
    default's single worker) while connections are still accepted concurrently. Portal and simulator share the
    server; the simulator's direct AC comes back into it from a background thread once the bank's page has
    been sent (the response's close() runs outside the lock). The in-memory SQLite test database connection,
    which the live server shares between its threads, is then never used by two requests at once."""

    # Host-to-host calls that our own requests make while they wait (BE, AE) must not wait for the lock.
    NESTED = ("/fpx-simulator/banklist/", "/fpx-simulator/enquiry/")

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.NESTED):
            return self.app(environ, start_response)
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = b"".join(result)
            except BaseException:
                if hasattr(result, "close"):
                    result.close()
                raise
        return _SentBody([body], getattr(result, "close", None))


class _SentBody(list):
    def __init__(self, chunks, close):
        super().__init__(chunks)
        self._close = close

    def close(self):
        if self._close is not None:
            self._close()


@pytest.fixture
def portal_server(live_server):
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    httpd.set_app(OneRequestAtATime(app))
    yield live_server.url
    from matrix.fpx_simulator import services as simulator

    simulator.direct_ac_deliveries_join(timeout=30)
    httpd.set_app(app)
