"""The shared layout's static parts are rendered once per process and language ({% layoutcache %},
matrix/core/templatetags/layout.py): the HTML a person gets is the same as rendering them every time, with their
own CSRF token and their own page address in the language switch."""

import re

import pytest
from django.middleware.csrf import _does_token_match
from django.test import Client

from matrix.core.templatetags import layout

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
PAGES = ["/accounts/management/", "/", "/help/", "/coverage-check/?a=<b>&c=\"1\""]


@pytest.fixture(autouse=True)
def fresh_fragments(settings):
    settings.LAYOUT_FRAGMENT_CACHE = True
    layout.layout_cache_clear()
    yield
    layout.layout_cache_clear()


def _plain(monkeypatch):
    monkeypatch.setattr(layout.LayoutCacheNode, "render", lambda self, context: self.nodelist.render(context))


def _pages(client, language, address, signed_in) -> list[tuple[str, list[str]]]:
    pages = []
    for url in PAGES if signed_in else PAGES[1:]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language, REMOTE_ADDR=address)
        assert response.status_code == 200, url
        html = response.content.decode()
        pages.append((TOKEN_RE.sub("TOKEN", html), TOKEN_RE.findall(html)))
    return pages


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("language", ["en", "ms"])
@pytest.mark.parametrize("address", ["127.0.0.1", "203.0.113.7"])
def test_the_layout_from_kept_fragments_is_the_html_rendered_every_time(
        monkeypatch, client, user, signed_in, language, address):
    if signed_in:
        client.force_login(user)
    kept_first = _pages(client, language, address, signed_in)
    assert layout._fragments  # the fragments were kept...
    kept_again = _pages(client, language, address, signed_in)  # ...and these pages are made from them
    _plain(monkeypatch)
    plain = _pages(client, language, address, signed_in)
    assert [html for html, _ in kept_first] == [html for html, _ in plain] == [html for html, _ in kept_again]
    secret = client.cookies["csrftoken"].value
    for _, tokens in kept_again:
        assert tokens and all(_does_token_match(token, secret) for token in tokens)


def test_each_visitor_gets_their_own_token_and_address_and_the_header_that_fits_them(user):
    anonymous, person = Client(), Client()
    person.force_login(user)
    first = anonymous.get("/help/?from=a").content.decode()
    second = person.get("/help/?from=b").content.decode()
    assert 'value="/help/?from=a"' in first and 'value="/help/?from=b"' in second
    assert "/help/?from=a" not in second
    assert "Logout" in second and "Logout" not in first  # the header is kept per signed-in or not
    assert not set(TOKEN_RE.findall(first)) & set(TOKEN_RE.findall(second))


def test_the_outbox_link_is_kept_apart(settings):
    assert settings.OUTBOX_ENABLED
    local = Client(REMOTE_ADDR="127.0.0.1").get("/help/").content.decode()
    remote = Client(REMOTE_ADDR="203.0.113.7").get("/help/").content.decode()
    assert 'data-testid="outbox-link"' in local and 'data-testid="outbox-link"' not in remote
    assert 'data-testid="outbox-link"' in Client(REMOTE_ADDR="127.0.0.1").get("/").content.decode()


def test_off_in_the_settings_nothing_is_kept(settings, client):
    settings.LAYOUT_FRAGMENT_CACHE = False
    assert client.get("/help/").status_code == 200 and not layout._fragments


def test_without_a_request_the_fragment_is_plain_template_code():
    from django.template.loader import render_to_string

    html = render_to_string("layouts/public.html", {})
    assert "Skip to main content" in html and not layout._fragments
    assert layout.TOKEN_PLACEHOLDER not in html and layout.PATH_PLACEHOLDER not in html
