"""matrix.core.csp: the Content-Security-Policy built once gives every response the header django-csp's own
middleware gives it, responses with their own policy (decorators, `_csp_update`, a nonce) included."""

import pytest
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from matrix.core.csp import CSPMiddleware, site_policy


def _headers(middleware_class, path="/", status=200, nonce=False, **attributes):
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda request: HttpResponse())
    middleware.process_request(request)
    if nonce:
        str(request.csp_nonce)
        request._csp_nonce = "fixed-nonce"
    response = HttpResponse(status=status)
    for name, value in attributes.items():
        setattr(response, name, value)
    response = middleware.process_response(request, response)
    if not nonce:
        with pytest.raises(Exception):  # noqa: B017 - django-csp's own error: no nonce after the header is written
            str(request.csp_nonce)
    return {name: value for name, value in response.items() if "Security-Policy" in name}


CASES = [
    {},
    {"status": 404},
    {"_csp_update": {"form-action": ["https://fpx.example"]}},
    {"_csp_replace": {"img-src": ["https://img.example"]}},
    {"_csp_exempt": True},
    {"nonce": True},
]


@pytest.mark.parametrize("case", CASES)
def test_the_same_headers_as_django_csp(case):
    assert _headers(CSPMiddleware, **case) == _headers(LibraryCSPMiddleware, **case)


def test_report_only_and_excluded_prefixes_follow_the_settings(settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"]}}
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    for path in ("/", "/skip/there/"):
        assert _headers(CSPMiddleware, path=path) == _headers(LibraryCSPMiddleware, path=path)
    assert "Content-Security-Policy-Report-Only" in _headers(CSPMiddleware)
    assert "Content-Security-Policy" not in _headers(CSPMiddleware, path="/skip/there/")


def test_the_portal_uses_it_and_a_page_carries_the_policy(client, db):
    assert "matrix.core.csp.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    assert client.get("/help/")["Content-Security-Policy"] == site_policy(False)
