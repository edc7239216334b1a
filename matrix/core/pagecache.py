"""Cached anonymous pages, per URL and language: the public pages (home, help, FAQ, terms, contact, benefits) and
the login page's IC step are the same for every visitor who is not signed in, so each web process keeps the
rendered page for PAGE_CACHE_SECONDS and answers the next visitor from memory.

What is never cached or leaked:
- only GET of an allowlisted URL name (PAGE_CACHE_URL_NAMES), from a visitor without a session cookie and without
  pending messages (a signed-in person, or anyone the portal remembers something for, always gets a fresh page),
  and, where the development outbox is on, not from this machine's own address (their pages link the outbox);
- only a 200 whose response set no cookie and does not say private or no-store;
- the CSRF token: every page carries a form (the language switch, the login form), whose token belongs to the
  visitor's own CSRF cookie. The cached copy keeps a placeholder where the token was, and each answer from the
  cache puts in a token made for this visitor (`get_token`, which also has CsrfViewMiddleware set the visitor's
  cookie when it is new), so forms on cached pages keep working and no visitor gets another's token.

The middleware sits after CsrfViewMiddleware in MIDDLEWARE: the middleware around it (security headers, the
language, the CSRF cookie, the request id) still run for answers from the cache; those inside it (CSP,
X-Frame-Options) added their headers before the page was kept, and the copy keeps them.

A staff edit of a page (matrix.pages) clears this process's copies at once; other processes renew theirs within
PAGE_CACHE_SECONDS (0 turns the cache off: the test settings do, and tests of this module turn it on)."""

import re
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import Resolver404, resolve
from django.utils.translation import get_language

from matrix.core.localonly import request_is_local_or_staff

DEFAULT_URL_NAMES = frozenset({
    "pages:home", "pages:help", "pages:faq", "pages:terms", "pages:contact", "pages:benefits", "accounts:login",
})
MAX_ENTRIES = 256
CSRF_PLACEHOLDER = b"\x00matrix-csrf\x00"
_TOKEN_RE = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,128})(")')
_SKIPPED_HEADERS = {"set-cookie", "x-request-id"}

_lock = threading.Lock()
_pages: OrderedDict[tuple[str, str], tuple[float, int, list[tuple[str, str]], bytes]] = OrderedDict()


def page_cache_clear() -> None:
    with _lock:
        _pages.clear()


def _url_names() -> frozenset[str]:
    return frozenset(getattr(settings, "PAGE_CACHE_URL_NAMES", DEFAULT_URL_NAMES))


def _cacheable_request(request) -> bool:
    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    if settings.OUTBOX_ENABLED and request_is_local_or_staff(request):
        return False  # their pages carry the development Outbox link, which no other visitor may be given
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in _url_names()


def _cacheable_response(response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
        if seconds <= 0 or not _cacheable_request(request):
            return self.get_response(request)
        key = (request.get_full_path(), get_language() or settings.LANGUAGE_CODE)
        now = time.monotonic()
        with _lock:
            entry = _pages.get(key)
            if entry is not None and entry[0] > now:
                _pages.move_to_end(key)
            else:
                entry = None
        if entry is not None:
            return _answer(request, entry)
        response = self.get_response(request)
        if _cacheable_response(response):
            content = _TOKEN_RE.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\3", response.content)
            headers = [(name, value) for name, value in response.items() if name.lower() not in _SKIPPED_HEADERS]
            with _lock:
                _pages[key] = (now + seconds, response.status_code, headers, content)
                _pages.move_to_end(key)
                while len(_pages) > MAX_ENTRIES:
                    _pages.popitem(last=False)
        return response


def _answer(request, entry) -> HttpResponse:
    _, status, headers, content = entry
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
    response = HttpResponse(content, status=status)
    for name, value in headers:
        if name.lower() != "content-length":
            response[name] = value
    response["Content-Length"] = str(len(content))
    return response


def _pages_edited(sender, **kwargs) -> None:
    if sender._meta.app_label == "pages":
        page_cache_clear()


post_save.connect(_pages_edited, dispatch_uid="matrix.core.pagecache.saved")
post_delete.connect(_pages_edited, dispatch_uid="matrix.core.pagecache.deleted")
