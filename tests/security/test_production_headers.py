"""Under the production settings (a subprocess with tests/core/production_env.py's environment): every cookie the
portal sets is Secure and SameSite, and HttpOnly except the CSRF token, which the page's script must read; each
page carries HSTS, a Content Security Policy, nosniff, a frame refusal and a referrer policy."""

import json

import pytest

from tests.core.production_env import production_env, python

pytestmark = pytest.mark.sqlite  # a subprocess under the production settings: the same in either pass

PROBE = """
import json
from django.conf import settings
from django.test import Client
client = Client()
host = {'HTTP_HOST': 'matrix.example.gov.my', 'secure': True}
page = client.get('/accounts/login/', **host)
language = client.post('/i18n/setlang/', {'language': 'ms', 'next': '/'}, **host)
plain = Client().get('/accounts/login/', HTTP_HOST='matrix.example.gov.my')
cookies = {name: {key: morsel[key] for key in ('secure', 'httponly', 'samesite')}
           for response in (page, language) for name, morsel in response.cookies.items()}
print(json.dumps({
    'status': [page.status_code, language.status_code], 'headers': dict(page.headers), 'cookies': cookies,
    'plain': [plain.status_code, plain.get('Location', '')],
    'session': [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
    'session_name': settings.SESSION_COOKIE_NAME,
}))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    result = python(PROBE, **production_env(tmp_path_factory.mktemp("production")))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_cookie_is_secure_and_same_site_and_hidden_from_scripts_but_the_csrf_token(production):
    assert production["status"] == [200, 302]
    cookies = production["cookies"]
    assert {"csrftoken", "django_language"} <= set(cookies)
    for name, flags in cookies.items():
        assert flags["secure"] is True and flags["samesite"] == "Lax", name
        assert flags["httponly"] is True or name == "csrftoken", name
    # The session cookie (and the idle-activity cookie, which copies these settings) is set after a login.
    assert production["session"] == [True, True, "Lax"]


def test_security_headers_are_present(production):
    headers = production["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    policy = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"):
        assert directive in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_plain_http_is_sent_to_https(production):
    assert production["plain"] == [301, "https://matrix.example.gov.my/accounts/login/"]
