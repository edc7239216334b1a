"""The page cache answers early in the middleware chain (matrix/core/pagecache.py): keyed by the development
Outbox link (a page with the link only for visitors who get it), with the headers the whole chain gave the page,
the visitor's own CSRF token and cookie, a request id of its own; a Host outside ALLOWED_HOSTS and a plain-http
request under SECURE_SSL_REDIRECT still go the long way."""

import pytest
from django.db import connection
from django.middleware.csrf import CSRF_ALLOWED_CHARS, _does_token_match, _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from matrix.core import pagecache
from matrix.core.pagecache import csrf_random_string, csrf_token_new, page_cache_clear

pytestmark = pytest.mark.django_db

LINK = 'data-testid="outbox-link"'
LOCAL, REMOTE, OTHER_REMOTE = "127.0.0.1", "203.0.113.7", "198.51.100.9"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    assert settings.OUTBOX_ENABLED  # the test settings' embedded default: the outbox is on
    page_cache_clear()
    yield
    page_cache_clear()


def _get(address, url="/", **extra):
    response = Client(REMOTE_ADDR=address).get(url, **extra)
    assert response.status_code == 200
    return response


def _from_cache(address, url="/", **extra):
    with CaptureQueriesContext(connection) as queries:
        response = _get(address, url, **extra)
    return response, len(queries) == 0


def test_this_machine_is_answered_from_the_cache_with_the_link_and_nobody_else_gets_it():
    first_local = _get(LOCAL)
    assert LINK in first_local.content.decode()
    again_local, cached = _from_cache(LOCAL)
    assert cached and LINK in again_local.content.decode()  # kept for, and given to, visitors with the link
    first_remote, cached = _from_cache(REMOTE)
    assert not cached and LINK not in first_remote.content.decode()  # not the local copy: a page of its own
    again_remote, cached = _from_cache(OTHER_REMOTE)
    assert cached and LINK not in again_remote.content.decode()
    again_local, cached = _from_cache(LOCAL)
    assert cached and LINK in again_local.content.decode()


def test_a_page_rendered_with_another_link_than_its_key_is_not_kept(monkeypatch):
    # Should the cache's rule and the page's ever disagree, the page is not kept rather than given to the wrong side.
    monkeypatch.setattr(pagecache, "_outbox_link", lambda request: False)
    assert LINK in _get(LOCAL).content.decode()
    assert not pagecache._pages
    monkeypatch.undo()
    assert LINK not in _get(REMOTE).content.decode()
    assert pagecache._pages


def test_a_hit_has_the_headers_of_the_whole_chain_and_its_own_request_id_token_and_cookie():
    miss = _get(REMOTE, HTTP_ACCEPT_LANGUAGE="ms")
    hit, cached = _from_cache(OTHER_REMOTE, HTTP_ACCEPT_LANGUAGE="ms")
    assert cached
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                 "Cross-Origin-Opener-Policy", "Content-Language", "Content-Type"):
        assert hit[name] == miss[name], name
    assert hit["Content-Language"] == "ms"
    assert {"accept-language", "cookie"} <= {part.strip().lower() for part in hit["Vary"].split(",")}
    assert hit["X-Request-ID"] and hit["X-Request-ID"] != miss["X-Request-ID"]
    assert int(hit["Content-Length"]) == len(hit.content)
    secret = hit.cookies["csrftoken"].value
    assert secret != miss.cookies["csrftoken"].value
    tokens = [part.split('"')[0] for part in hit.content.decode().split('name="csrfmiddlewaretoken" value="')[1:]]
    assert tokens and all(_does_token_match(token, secret) for token in tokens)


def test_a_visitor_with_a_csrf_cookie_keeps_their_secret():
    _get(REMOTE)
    visitor = Client(REMOTE_ADDR=OTHER_REMOTE, enforce_csrf_checks=True)
    visitor.cookies["csrftoken"] = secret = csrf_random_string()
    with CaptureQueriesContext(connection) as queries:
        page = visitor.get("/")
    assert len(queries) == 0
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert _unmask_cipher_token(token) == secret
    assert page.cookies["csrftoken"].value == secret  # renewed, as get_token does, never replaced
    switched = visitor.post("/i18n/setlang/", {"language": "ms", "next": "/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302


def test_a_host_outside_allowed_hosts_and_plain_http_under_the_ssl_redirect_go_the_long_way(settings):
    _get(REMOTE)
    assert Client(REMOTE_ADDR=REMOTE).get("/", HTTP_HOST="evil.example").status_code == 400
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    redirected = Client(REMOTE_ADDR=REMOTE).get("/")
    assert redirected.status_code == 301 and redirected["Location"].startswith("https://")
    secure_miss, cached = _from_cache(REMOTE, secure=True)
    assert not cached and "Strict-Transport-Security" in secure_miss  # https has copies of its own, with HSTS
    secure_hit, cached = _from_cache(OTHER_REMOTE, secure=True)
    assert cached and "Strict-Transport-Security" in secure_hit


def test_commons_rules_still_apply_to_pages_in_the_cache(settings):
    import re

    _get(REMOTE)
    settings.DISALLOWED_USER_AGENTS = [re.compile("BadBot")]
    assert Client(REMOTE_ADDR=REMOTE).get("/", HTTP_USER_AGENT="BadBot/1").status_code == 403
    settings.DISALLOWED_USER_AGENTS = []
    settings.PREPEND_WWW = True
    assert Client(REMOTE_ADDR=REMOTE).get("/", HTTP_HOST="testserver").status_code == 301


def test_new_csrf_tokens_are_djangos():
    class Request:
        META: dict = {}

    request = Request()
    token = csrf_token_new(request)
    secret = request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True
    assert len(secret) == 32 and len(token) == 64 and set(token + secret) <= set(CSRF_ALLOWED_CHARS)
    assert _unmask_cipher_token(token) == secret and _does_token_match(token, secret)
    assert csrf_token_new(request) != token and request.META["CSRF_COOKIE"] == secret
    # Every allowed character comes out of the random strings (no character is left out by the byte mapping).
    assert set("".join(csrf_random_string() for _ in range(200))) == set(CSRF_ALLOWED_CHARS)
