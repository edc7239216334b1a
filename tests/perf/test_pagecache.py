"""Cached anonymous pages (matrix/core/pagecache.py): per URL and language, anonymous only, and forms on a cached
page keep working for each visitor with their own CSRF token; nothing of one visitor reaches another."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from matrix.core.pagecache import page_cache_clear
from matrix.pages.models import ContentPage

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PUBLIC_ADDRESS = "203.0.113.7"  # a visitor from elsewhere: no Outbox link on their pages (see the last test)


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60  # the outbox stays on, as in the test settings: its URLs are registered
    page_cache_clear()
    yield
    page_cache_clear()


def _visitor(**kwargs) -> Client:
    """An anonymous visitor from a public address (the test client's own default is 127.0.0.1, this machine)."""
    return Client(REMOTE_ADDR=PUBLIC_ADDRESS, **kwargs)


def _get(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response


def test_the_second_visitor_gets_the_home_page_from_memory_with_their_own_working_csrf_token():
    first, second = _visitor(enforce_csrf_checks=True), _visitor(enforce_csrf_checks=True)
    one = _get(first, "/")
    with CaptureQueriesContext(connection) as queries:
        two = _get(second, "/")
    assert len(queries) == 0  # answered from the cache: no view, no database
    token_one, token_two = TOKEN_RE.findall(one.content.decode()), TOKEN_RE.findall(two.content.decode())
    assert token_one and token_two and token_one[0] != token_two[0]
    assert "csrftoken" in two.cookies  # the second visitor's own CSRF cookie, set for this answer
    assert "\x00" not in two.content.decode()
    # The language switch on the cached page posts with the second visitor's token and cookie.
    switched = second.post("/i18n/setlang/", {"language": "ms", "next": "/",
                                              "csrfmiddlewaretoken": token_two[0]})
    assert switched.status_code == 302
    # The first visitor's token does not work with the second visitor's cookie: nothing was shared.
    refused = second.post("/i18n/setlang/", {"language": "ms", "next": "/",
                                             "csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403


def test_each_language_has_its_own_copy():
    english = _get(_visitor(), "/", HTTP_ACCEPT_LANGUAGE="en")
    malay = _get(_visitor(), "/", HTTP_ACCEPT_LANGUAGE="ms")
    again_malay = _get(_visitor(), "/", HTTP_ACCEPT_LANGUAGE="ms")
    assert 'lang="en"' in english.content.decode()[:400]
    assert 'lang="ms"' in malay.content.decode()[:400]
    assert 'lang="ms"' in again_malay.content.decode()[:400]


def test_a_signed_in_person_never_gets_the_cached_page(user_client):
    anonymous = _get(_visitor(), "/")
    signed_in = _get(user_client, "/")
    assert anonymous.content != signed_in.content
    assert user_client.session.session_key  # the person's session was read for their page


def test_the_login_form_on_a_cached_page_still_signs_in(user):
    from matrix.core import pagecache

    _get(_visitor(), "/accounts/login/")
    assert ("/accounts/login/", "en") in pagecache._pages
    visitor = _visitor(enforce_csrf_checks=True)
    page = _get(visitor, "/accounts/login/")
    token = TOKEN_RE.findall(page.content.decode())[0]
    response = visitor.post("/accounts/login/", {"id_number": user.id_number, "csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert response.status_code != 403


def test_pages_outside_the_allowlist_and_visitors_with_a_session_or_messages_are_not_cached(monkeypatch):
    from matrix.core import pagecache

    hits = []
    answer = pagecache._answer
    monkeypatch.setattr(pagecache, "_answer",
                        lambda request, entry: hits.append(request.path) or answer(request, entry))
    _get(_visitor(), "/coverage-check/")
    _get(_visitor(), "/coverage-check/")
    assert hits == [] and not [key for key in pagecache._pages if key[0].startswith("/coverage-check/")]
    _get(_visitor(), "/")
    with_messages = _visitor()
    with_messages.cookies["messages"] = "pending"
    _get(with_messages, "/")
    with_session = _visitor()
    with_session.cookies["sessionid"] = "x" * 32
    _get(with_session, "/")
    assert hits == []
    _get(_visitor(), "/")
    assert hits == ["/"]


def test_a_staff_edit_of_a_page_clears_the_copies(monkeypatch):
    from matrix.core import pagecache

    _get(_visitor(), "/")
    assert pagecache._pages
    page = ContentPage.objects.first()
    if page is None:
        pytest.fail("the pages app has no content page to edit")
    page.save()
    assert not pagecache._pages


def test_off_when_page_cache_seconds_is_zero(settings):
    from matrix.core import pagecache

    settings.PAGE_CACHE_SECONDS = 0
    _get(_visitor(), "/")
    assert not pagecache._pages


def test_a_page_with_the_outbox_link_is_cached_but_only_for_local_visitors():
    from matrix.core import pagecache

    # On the embedded default (outbox on) a visitor from this machine sees the footer's Outbox link. The link is part
    # of the page's key: the page with it is kept and given to the next local visitor, never to a visitor from
    # elsewhere, whose page (kept too) has no link.
    local = _get(Client(REMOTE_ADDR="127.0.0.1"), "/")
    assert 'data-testid="outbox-link"' in local.content.decode()
    with CaptureQueriesContext(connection) as queries:
        local_again = _get(Client(REMOTE_ADDR="::1"), "/")
    assert len(queries) == 0 and 'data-testid="outbox-link"' in local_again.content.decode()
    remote = _get(_visitor(), "/")
    assert 'data-testid="outbox-link"' not in remote.content.decode()
    with CaptureQueriesContext(connection) as queries:
        remote_again = _get(Client(REMOTE_ADDR="198.51.100.9"), "/")
    assert len(queries) == 0 and 'data-testid="outbox-link"' not in remote_again.content.decode()
    assert set(pagecache._pages[("/", "en")]) == {(True, False), (False, False)}  # (link, https): one copy each
    assert 'data-testid="outbox-link"' in _get(Client(REMOTE_ADDR="127.0.0.1"), "/").content.decode()
