"""The whole journey of a self-employed person under load (`make bench-journey`): sign in (IC, then password),
Contribution History, View Contribution, renew a sector, pay through the FPX simulator (bank login, approve, the
indirect AC back to us), PAYMENT DETAILS and the receipt PDF. Each simulated person is a seeded person
(matrix.scale.seed: IC `scale_id_number(i)`, password SCALE_PASSWORD, the real Argon2 sign-in) who runs the
journey once, from their own public address (X-Forwarded-For, as the load balancer passes it), and pauses between
the steps they take themselves as a person reads and types (JOURNEY_THINK_MIN..JOURNEY_THINK_MAX seconds, 1 to 3);
the forms a browser submits by itself (the AR to FPX, the indirect AC back) follow at once.

    locust -f benchmarks/locustfile.py --headless -u 200 -r 3.4 -t 180s --host http://127.0.0.1:8611

benchmarks/journey.py starts the portal as `make bench` does and runs this with those bounds (people arriving over
a minute), then reports the failures and the p50/p95 of every step and overall. Forms are followed as a browser
would post them (hidden fields, the CSRF token, the auto-submitted FPX forms), parsed with the standard library's
HTML parser."""

import itertools
import os
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from gevent import GreenletExit
from locust import HttpUser, between, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.run import public_address  # noqa: E402
from matrix.scale.people import SCALE_PASSWORD, scale_id_number  # noqa: E402

FIRST_PERSON = int(os.environ.get("JOURNEY_FIRST_PERSON", "0"))
PEOPLE = int(os.environ.get("JOURNEY_PEOPLE", "0"))
THINK_MIN = float(os.environ.get("JOURNEY_THINK_MIN", "1"))
THINK_MAX = float(os.environ.get("JOURNEY_THINK_MAX", "3"))
_people = itertools.count(FIRST_PERSON)
_finished = itertools.count(1)
REFERER = "https://127.0.0.1:{port}/"  # the portal sees https (X-Forwarded-Proto): a same-origin https Referer
HEADERS = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": (attrs.get("method") or "get").lower(),
                               "fields": {}, "buttons": [], "selects": {}})
        elif not self.forms:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value", "on"))
            else:
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")
        elif tag == "button" and attrs.get("name"):
            self.forms[-1]["buttons"].append((attrs["name"], attrs.get("value", "")))
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select and attrs.get("value"):
            self.forms[-1]["selects"].setdefault(self._select, attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_of(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        for name, value in form["selects"].items():
            form["fields"].setdefault(name, value)
    return parser.forms


def form_with(html: str, needle: str) -> dict:
    """The page's form posting to `needle` (else its first form that is not the language switch or logout),
    with its action made a path on this server (FPX forms name absolute https URLs of the same host)."""
    candidates = [form for form in forms_of(html) if form["method"] == "post"
                  and "setlang" not in form["action"] and "logout" not in form["action"]]
    chosen = next((form for form in candidates if needle in form["action"]), candidates[0] if candidates else None)
    if chosen is None:
        raise AssertionError(f"no form posting to {needle!r}")
    parts = urlsplit(chosen["action"])
    chosen["path"] = (parts.path + (f"?{parts.query}" if parts.query else "")) if chosen["action"] else ""
    return chosen


class Person(HttpUser):
    # Pauses between a person's own steps (self.wait()): reading the page, typing.
    wait_time = between(THINK_MIN, THINK_MAX)

    def on_start(self):
        self.index = next(_people)
        # While people are still arriving, Locust replaces a user that stopped (a finished journey) to keep the
        # count: such a replacement is no new person, and stops at once.
        self._extra = bool(PEOPLE) and self.index >= FIRST_PERSON + PEOPLE
        self.client.headers.update(HEADERS)
        # Each person comes from their own address, as the load balancer passes it (CLIENT_IP_HEADER=
        # HTTP_X_FORWARDED_FOR): the per-address limits of the login see 200 people, not one address trying 200
        # accounts, and the page cache sees visitors, not this machine.
        self.client.headers["X-Forwarded-For"] = public_address(self.index)
        self.client.hooks["response"].append(self._keep_cookies)

    def _keep_cookies(self, response, *args, **kwargs):
        """The portal believes it is served over https (X-Forwarded-Proto) and marks its cookies Secure; this
        client talks plain http on loopback, as a load balancer would behind TLS, so it keeps them unmarked."""
        for cookie in response.cookies:
            self.client.cookies.set(cookie.name, cookie.value)

    def _post(self, url: str, form: dict, name: str, extra: dict | None = None, **kwargs):
        """Post `form` to its action (or to `url`, the page it is on, when it has none)."""
        data = {**form["fields"], **(extra or {})}
        target = form["path"] or urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        referer = REFERER.format(port=urlsplit(self.host).port)
        return self.client.post(target, data=data, name=name, headers={"Referer": referer}, **kwargs)

    def _ok(self, response, what: str):
        if response.status_code >= 400:
            response.failure(f"{what}: HTTP {response.status_code}")
            raise StopUser()

    def on_stop(self):
        """Each person runs the journey once: when the last one is done, the run ends (before its time bound)."""
        if getattr(self, "_finished", False) or self._extra:  # called once by the task set, once by the user
            return
        self._finished = True
        if PEOPLE and next(_finished) >= PEOPLE:
            gevent.spawn_later(0.5, self.environment.runner.quit)

    @task
    def journey(self):
        """The journey once; a step the page did not offer (an unexpected page) counts as a failure too."""
        if self._extra:
            raise StopUser()
        try:
            self._journey()
        except (StopUser, GreenletExit):
            raise
        except Exception as exc:  # noqa: BLE001 - reported as a failed step, then this person stops
            self.environment.events.request.fire(
                request_type="JOURNEY", name="journey error", response_time=0, response_length=0, exception=exc,
                context={}, response=None, url="")
        raise StopUser()

    def _journey(self):
        with self.client.get("/accounts/login/", name="login: IC step", catch_response=True) as page:
            self._ok(page, "login page")
        self.wait()  # types the IC number
        form = form_with(page.text, "/accounts/login")
        with self._post("/accounts/login/", form, "login: IC",
                        {"id_number": scale_id_number(self.index)}, catch_response=True) as page:
            self._ok(page, "IC step")
        self.wait()  # types the password
        form = form_with(page.text, "/accounts/login")
        with self._post(page.url, form, "login: password",
                        {"password": SCALE_PASSWORD}, catch_response=True) as page:
            self._ok(page, "password step")
            if "/accounts/login" in urlsplit(page.url).path:
                page.failure("still on the login page after the password")
                raise StopUser()
        self.wait()
        with self.client.get("/self-employed/contributions/", name="history", catch_response=True) as page:
            self._ok(page, "history")
        view = re.search(r'href="(/self-employed/contributions/\d+/)"', page.text)
        if view:
            self.wait()
            with self.client.get(view.group(1), name="view contribution", catch_response=True) as detail:
                self._ok(detail, "view contribution")
        renew = re.search(r'href="(/self-employed/contributions/renew/\d+/)"', page.text)
        if renew is None:
            raise StopUser()  # nothing to renew today (a renewal awaits payment): the journey ends here
        self.wait()
        with self.client.get(renew.group(1), name="renew: months and plan", catch_response=True) as page:
            self._ok(page, "renew form")
        self.wait()  # chooses the months
        form = form_with(page.text, "/renew/")
        with self._post(renew.group(1), form, "renew: check", {"months": "1"}, catch_response=True) as page:
            self._ok(page, "renew check")
        self.wait()  # reads the amount
        form = form_with(page.text, "/renew/")
        with self._post(renew.group(1), form, "renew: confirm", catch_response=True) as page:
            self._ok(page, "renew confirm")
        self.wait()  # ticks the acknowledgement
        form = form_with(page.text, "/pay/")
        with self._post(page.url, form, "pay now", {"acknowledge": "on"}, catch_response=True) as page:
            self._ok(page, "pay now")
        self.wait()  # chooses a bank
        form = form_with(page.text, "/bank/")
        bank = form["fields"].get("bank") or "ABB0233"
        with self._post(page.url, form, "select bank", {"bank": bank}, catch_response=True) as page:
            self._ok(page, "select bank")
        form = form_with(page.text, "/fpx-simulator/ar/")
        with self._post(page.url, form, "FPX: AR", catch_response=True) as page:
            self._ok(page, "AR")
        self.wait()  # signs in at the bank
        form = form_with(page.text, "/fpx-simulator/bank/")
        with self._post(page.url, form, "FPX: bank login",
                        {"username": "bench", "password": "bench"}, catch_response=True) as page:
            self._ok(page, "bank login")
        self.wait()  # approves
        form = form_with(page.text, "/authorise/")
        with self._post(page.url, form, "FPX: approve", {"outcome": "approve"},
                        catch_response=True) as page:
            self._ok(page, "approve")
        form = form_with(page.text, "/payments/fpx/indirect/")
        with self._post(page.url, form, "indirect AC -> payment details",
                        catch_response=True) as page:
            self._ok(page, "indirect AC")
        receipt = re.search(r'href="(/payments/\d+/receipt\.pdf)"', page.text)
        if receipt is None:
            with self.client.get(page.url, name="payment details (again)", catch_response=True) as page:
                self._ok(page, "payment details")
            receipt = re.search(r'href="(/payments/\d+/receipt\.pdf)"', page.text)
            if receipt is None:
                page.failure("PAYMENT DETAILS offers no receipt after the bank approved")
                raise StopUser()
        self.wait()
        with self.client.get(receipt.group(1), name="receipt PDF", catch_response=True) as pdf:
            self._ok(pdf, "receipt")
            if not pdf.content.startswith(b"%PDF"):
                pdf.failure("the receipt is not a PDF")
        raise StopUser()
