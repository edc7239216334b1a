"""Cached anonymous pages, per URL, language and Outbox link: the public pages (home, help, FAQ, terms, contact,
benefits) and the login page's IC step are the same for every visitor who is not signed in, so each web process
keeps the rendered page for PAGE_CACHE_SECONDS and answers the next visitor from memory.

What is never cached or leaked:
- only GET of an allowlisted URL name (PAGE_CACHE_URL_NAMES), from a visitor without a session cookie and without
  pending messages (a signed-in person, or anyone the portal remembers something for, always gets a fresh page);
- the development Outbox link: where the outbox is on, a visitor from this machine's own address gets pages that
  link it (matrix.core.context_processors) and nobody else may. The link is part of the key: a page with the link
  is kept for, and given to, visitors who get the link, one without it for the others; and a page is kept only
  when it was rendered with the key's own link (the context processor says which on the request);
- only a 200 whose response set no cookie but the CSRF cookie and does not say private or no-store;
- the CSRF token: every page carries a form (the language switch, the login form), whose token belongs to the
  visitor's own CSRF cookie. The cached copy keeps a placeholder where the token was, and each answer from the
  cache puts in a token made for this visitor from their CSRF cookie's secret (a new secret, and the cookie that
  carries it, for a visitor without one), as Django's CsrfViewMiddleware and get_token do, so forms on cached
  pages keep working and no visitor gets another's token or cookie.

The middleware sits early in MIDDLEWARE (after the request id and Prometheus' request count), so that an answer from
the cache costs little: on a miss the page goes through the whole chain and the headers it leaves with (security
headers, Content-Language, Vary, CSP, X-Frame-Options) are kept with it, all but the cookies and the request id; a hit
answers with those headers, this visitor's CSRF token and cookie, and the request id (added by RequestIdMiddleware
around it). What the middleware it skips would have decided first is decided here, or the request goes the long way: a
Host outside ALLOWED_HOSTS, a plain-http request that SECURE_SSL_REDIRECT sends to https, CSRF_USE_SESSIONS,
PREPEND_WWW and DISALLOWED_USER_AGENTS (CommonMiddleware's). The language is the one LocaleMiddleware would choose;
whether the request is secure is part of the key (HSTS is sent over https only).

A staff edit of a page (matrix.pages) clears this process's copies at once; other processes renew theirs within
PAGE_CACHE_SECONDS (0 turns the cache off: the test settings do, and tests of this module turn it on)."""

import os
import re
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, CsrfViewMiddleware
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language_from_request

from matrix.core.client_ip import client_ip
from matrix.core.localonly import address_is_local

DEFAULT_URL_NAMES = frozenset({
    "pages:home", "pages:help", "pages:faq", "pages:terms", "pages:contact", "pages:benefits", "accounts:login",
})
MAX_ENTRIES = 256
MAX_PATHS = 1024
CSRF_PLACEHOLDER = b"\x00matrix-csrf\x00"
_TOKEN_RE = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,128})(")')
_SKIPPED_HEADERS = {"set-cookie", "x-request-id", "content-length"}

_lock = threading.Lock()
# (full path, language) -> {(outbox link, secure): (expiry, status, headers, content)}
_pages: OrderedDict[tuple[str, str], dict[tuple[bool, bool], tuple]] = OrderedDict()
# (urlconf, path) -> the URL name it resolves to ("" for none): resolve() once per path, not per request.
_view_names: dict[tuple[str, str], str] = {}
_csrf = CsrfViewMiddleware(lambda request: None)


def page_cache_clear() -> None:
    with _lock:
        _pages.clear()


def _url_names() -> frozenset[str]:
    return frozenset(getattr(settings, "PAGE_CACHE_URL_NAMES", DEFAULT_URL_NAMES))


def _view_name(path: str) -> str:
    key = (settings.ROOT_URLCONF, path)
    name = _view_names.get(key)
    if name is None:
        try:
            name = resolve(path).view_name or ""
        except Resolver404:
            name = ""
        if len(_view_names) >= MAX_PATHS:
            _view_names.clear()
        _view_names[key] = name
    return name


def _outbox_link(request) -> bool:
    """Whether this (anonymous) visitor's pages carry the Outbox link: the context processor's rule for a visitor
    who is not signed in."""
    return bool(settings.OUTBOX_ENABLED) and address_is_local(client_ip(request))


def _cacheable_request(request) -> bool:
    if request.method != "GET" or settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES:
        return False
    if settings.CSRF_USE_SESSIONS or settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS:
        return False  # decided by the middleware this one skips on a hit: the long way
    if _view_name(request.path_info) not in _url_names():
        return False
    try:
        request.get_host()  # ALLOWED_HOSTS: the long way answers 400
    except DisallowedHost:
        return False
    return not (settings.SECURE_SSL_REDIRECT and not request.is_secure())  # the long way redirects to https


def _cacheable_response(request, response, language: str, link: bool) -> bool:
    if response.status_code != 200 or response.streaming:
        return False
    if set(response.cookies) - {settings.CSRF_COOKIE_NAME}:
        return False
    if getattr(request, "outbox_link", link) != link or response.get("Content-Language", language) != language:
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
        language = get_language_from_request(request, check_path=is_language_prefix_patterns_used(
            settings.ROOT_URLCONF)[0])
        link = _outbox_link(request)
        key, variant = (request.get_full_path(), language), (link, request.is_secure())
        now = time.monotonic()
        with _lock:
            entry = _pages.get(key, {}).get(variant)
            if entry is not None and entry[0] > now:
                _pages.move_to_end(key)
            else:
                entry = None
        if entry is not None:
            return _answer(request, entry)
        response = self.get_response(request)
        if _cacheable_response(request, response, language, link):
            patch_vary_headers(response, ("Cookie",))  # a visitor with a session cookie gets another page
            content = _TOKEN_RE.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\3", response.content)
            headers = [(name, value) for name, value in response.items() if name.lower() not in _SKIPPED_HEADERS]
            with _lock:
                _pages.setdefault(key, {})[variant] = (now + seconds, response.status_code, headers, content)
                _pages.move_to_end(key)
                while len(_pages) > MAX_ENTRIES:
                    _pages.popitem(last=False)
        return response


def _answer(request, entry) -> HttpResponse:
    _, status, headers, content = entry
    if CSRF_PLACEHOLDER in content:
        _csrf.process_request(request)  # the visitor's CSRF secret from their cookie, as CsrfViewMiddleware reads it
        content = content.replace(CSRF_PLACEHOLDER, csrf_token_new(request).encode())
    response = HttpResponse(content, status=status, headers=headers)
    response["Content-Length"] = str(len(content))
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        _csrf.process_response(request, response)  # sets the visitor's CSRF cookie
    return response


# -- CSRF tokens: django.middleware.csrf.get_token, with one read of the system's random source per string instead
# of one per character (get_random_string). Same secrets, same masked tokens, checked by Django's own middleware.

_CHARS_COUNT = len(CSRF_ALLOWED_CHARS)
_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_LIMIT = 256 - 256 % _CHARS_COUNT  # bytes at or above it are dropped, so that every character is equally likely


def csrf_random_string(length: int = CSRF_SECRET_LENGTH) -> str:
    chars: list[str] = []
    while len(chars) < length:
        chars.extend(CSRF_ALLOWED_CHARS[byte % _CHARS_COUNT] for byte in os.urandom(length + 8) if byte < _LIMIT)
    return "".join(chars[:length])


def csrf_token_new(request) -> str:
    """get_token(request): a new masked token for the request's CSRF secret (a new secret, and so a new cookie,
    when the request brought none)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = csrf_random_string()
        request.META["CSRF_COOKIE"] = secret
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = csrf_random_string()
    pairs = zip(secret, mask, strict=True)
    cipher = "".join(CSRF_ALLOWED_CHARS[(_INDEX[s] + _INDEX[m]) % _CHARS_COUNT] for s, m in pairs)
    return mask + cipher


def _pages_edited(sender, **kwargs) -> None:
    if sender._meta.app_label == "pages":
        page_cache_clear()


def _urlconf_changed(setting, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _view_names.clear()


post_save.connect(_pages_edited, dispatch_uid="matrix.core.pagecache.saved")
post_delete.connect(_pages_edited, dispatch_uid="matrix.core.pagecache.deleted")
setting_changed.connect(_urlconf_changed, dispatch_uid="matrix.core.pagecache.urlconf")
