"""The API client of the journey test: plain HTTP (requests) against the live server, as the mobile application
speaks to the portal, and the browser it opens for FPX (a requests session that follows the bank's forms)."""

import re
from html import unescape
from html.parser import HTMLParser

import requests


class Forms(HTMLParser):
    """The forms of an HTML page: action and the named inputs (hidden ones included) and buttons."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": unescape(attrs.get("action") or ""), "fields": {}, "buttons": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = unescape(attrs.get("value") or "")
        elif tag == "button" and self.forms and attrs.get("name"):
            self.forms[-1]["buttons"].setdefault(attrs["name"], []).append(attrs.get("value") or "")


def page_forms(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class App:
    """The mobile application: JSON over HTTP with its bearer token."""

    def __init__(self, base_url: str, language: str = "en"):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.http = requests.Session()
        self.http.headers["Accept-Language"] = language
        self.access_token = ""

    def _headers(self, key: str | None) -> dict:
        headers = {}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(self.base + path, params=params, headers=self._headers(None), timeout=60)

    def post(self, path: str, body: dict | None = None, *, key: str | None = None, files=None,
             data=None) -> requests.Response:
        if files is not None or data is not None:
            return self.http.post(self.base + path, data=data, files=files, headers=self._headers(key), timeout=60)
        return self.http.post(self.base + path, json=body or {}, headers=self._headers(key), timeout=60)


def pay_in_browser(form: dict, *, outcome: str = "approve") -> requests.Response:
    """What the application's browser does with the signed form: post it to FPX (the simulator), log in at the
    bank, choose `outcome`, and carry the bank's answer (the indirect AC) back to the portal."""
    with requests.Session() as browser:  # closed: no keep-alive connection outlives the test's live server
        return _pay(browser, form, outcome)


def _pay(browser: requests.Session, form: dict, outcome: str) -> requests.Response:
    bank = browser.post(form["url"], data=form["fields"], timeout=60)
    assert bank.status_code == 200, bank.text[:500]
    login = page_forms(bank.text)[-1]
    authorise = browser.post(requests.compat.urljoin(bank.url, login["action"]),
                             data={**login["fields"], "username": "siti90", "password": "anything goes"}, timeout=60)
    assert authorise.status_code == 200, authorise.text[:500]
    choice = next(f for f in page_forms(authorise.text) if "outcome" in f["buttons"])
    answer = browser.post(requests.compat.urljoin(authorise.url, choice["action"]),
                          data={**choice["fields"], "outcome": outcome}, timeout=60)
    assert answer.status_code == 200, answer.text[:500]
    ac = next(f for f in page_forms(answer.text) if "fpx_msgType" in f["fields"])
    return browser.post(ac["action"], data=ac["fields"], timeout=60)


def outbox_code(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)
