"""Sign-up, "Forgot password" and "new activation link" answer alike whether or not the IC has an account: the
same status, page and templates, the same queries in the request, and nothing sent inside it: the look-up and
the messages run in a task once the request has committed (matrix/accounts/background.py). The per-address
limits come before any of it. Timing sameness is shown by the code path, not by a stopwatch."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from matrix.accounts.models import OneTimeCode, User
from matrix.notifications.models import Message, OutboxMessage
from tests.accounts.helpers import signup_data
from tests.factories import user_make

pytestmark = pytest.mark.django_db

KNOWN_IC, PENDING_IC, UNKNOWN_IC = "790811087654", "850505145557", "900101149999"


def _shape(queries) -> list[str]:
    """The SQL run, with the values taken out (literals, numbers, savepoint names)."""
    return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+(\.\d+)?\b", "?", query["sql"]) for query in queries]


def _page(response, typed: str = "") -> str:
    html = response.content.decode()
    if typed:
        html = html.replace(f'value="{typed}"', 'value="IC"')
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'name="captcha_0" value="[^"]+"|captcha/(image|audio)/[^"/]+', "CAPTCHA", html)


# The shared layout's parts, rendered once per process and language ({% layoutcache %}): the first page of a
# process renders them, later ones take the kept HTML (the same bytes, compared in "page").
LAYOUT_PARTS = {"includes/header.html", "includes/sidebar.html", "includes/footer.html",
                "includes/language_switch.html", "includes/session_timeout.html"}


def _own_templates(response) -> list[str]:
    return [t.name for t in response.templates if t.name not in LAYOUT_PARTS]


def _probe(capture, method: str, url: str, data: dict, **extra):
    """One request from a fresh browser: its answer, query shape and the callbacks left for after the commit."""
    client = Client()
    messages_before = Message.objects.count()
    with CaptureQueriesContext(connection) as queries, capture() as callbacks:
        response = getattr(client, method)(url, data, **extra)
    assert Message.objects.count() == messages_before, "a message was written inside the request"
    return {"status": response.status_code, "location": response.get("Location"),
            "page": _page(response, data.get("id_number", "")),
            "templates": _own_templates(response), "queries": _shape(queries.captured_queries),
            "callbacks": callbacks, "client": client}


def _alike(*probes) -> None:
    first = probes[0]
    for other in probes[1:]:
        for key in ("status", "location", "page", "templates", "queries"):
            assert other[key] == first[key], key
        assert len(other["callbacks"]) == len(first["callbacks"])


@pytest.fixture
def people():
    known = user_make(id_number=KNOWN_IC, email="owner@example.com", mobile="60111111111")
    pending = user_make(id_number=PENDING_IC, is_active=False, activated_at=None, secret_phrase="",
                        email="pending@example.com", mobile="60122222222")
    return known, pending


def test_sign_up_answers_alike_for_a_new_a_pending_and_a_signed_up_ic(people, committed,
                                                                       django_capture_on_commit_callbacks):
    known, _pending = people
    probes = {
        ic: _probe(django_capture_on_commit_callbacks, "post", "/accounts/signup/",
                   signup_data(id_number=ic, mobile="0108877665"))
        for ic in (UNKNOWN_IC, PENDING_IC, KNOWN_IC)
    }
    _alike(*probes.values())
    assert probes[KNOWN_IC]["location"] == "/accounts/signup/verify/"
    # The verify pages look the same too.
    pages = [_page(probe["client"].get("/accounts/signup/verify/")) for probe in probes.values()]
    assert pages[0] == pages[1] == pages[2]
    # After the commit: a code to the new and the restarted sign-up; the owner of the signed-up IC gets an email.
    with committed():
        for probe in probes.values():
            for callback in probe["callbacks"]:
                callback()
    assert OutboxMessage.objects.filter(channel="SMS", to="60108877665").count() == 2
    assert OutboxMessage.objects.filter(channel="EMAIL", to=known.email).count() == 1
    assert not OneTimeCode.objects.filter(user=known).exists()
    assert User.objects.get(id_number=KNOWN_IC).mobile == "60111111111"


def test_sign_up_limit_per_address_comes_before_any_look_up(people, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNTS_OTP_PER_IP_PER_HOUR = "1/h"
    Client().post("/accounts/signup/", signup_data(id_number="900101140001"), REMOTE_ADDR="10.20.0.1")
    probes = [
        _probe(django_capture_on_commit_callbacks, "post", "/accounts/signup/", signup_data(id_number=ic),
               REMOTE_ADDR="10.20.0.1")
        for ic in (UNKNOWN_IC, KNOWN_IC)
    ]
    _alike(*probes)
    assert probes[0]["status"] == 200 and "Too many requests have come from your network" in probes[0]["page"]
    assert probes[0]["callbacks"] == []


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_forgot_password_answers_alike_and_sends_after_the_answer(people, committed, channel,
                                                                    django_capture_on_commit_callbacks):
    known, pending = people
    probes = {
        ic: _probe(django_capture_on_commit_callbacks, "post", "/accounts/password/forgot/",
                   {"id_number": ic, "channel": channel})
        for ic in (UNKNOWN_IC, PENDING_IC, KNOWN_IC)
    }
    _alike(*probes.values())
    assert len(probes[KNOWN_IC]["callbacks"]) == 1
    with committed():
        for probe in probes.values():
            probe["callbacks"][0]()
    sent = OutboxMessage.objects.values_list("to", flat=True)
    assert list(sent) == [known.email if channel == "email" else known.mobile]


def test_forgot_password_limit_per_address_comes_first(people, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNTS_LINKS_PER_IP_PER_HOUR = "1/h"
    Client().post("/accounts/password/forgot/", {"id_number": UNKNOWN_IC}, REMOTE_ADDR="10.21.0.1")
    probes = [
        _probe(django_capture_on_commit_callbacks, "post", "/accounts/password/forgot/", {"id_number": ic},
               REMOTE_ADDR="10.21.0.1")
        for ic in (UNKNOWN_IC, KNOWN_IC)
    ]
    _alike(*probes)
    assert probes[1]["callbacks"] == []  # over the limit: not even looked up


def test_new_activation_link_answers_alike(people, committed, django_capture_on_commit_callbacks):
    _known, pending = people
    User.objects.filter(pk=pending.pk).update(mobile_verified_at=pending.date_joined)
    probes = {
        ic: _probe(django_capture_on_commit_callbacks, "post", "/accounts/activate/new-link/", {"id_number": ic})
        for ic in (UNKNOWN_IC, PENDING_IC, KNOWN_IC)
    }
    _alike(*probes.values())
    with committed():
        for probe in probes.values():
            probe["callbacks"][0]()
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [pending.email]


def test_a_task_that_cannot_be_published_runs_in_the_request(people, committed, monkeypatch, settings):
    """Broker down: nothing is lost, the work runs where the request is."""
    from matrix.accounts import background, tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.password_reset_link_request, "apply_async", refuse)
    with committed():
        background.after_commit(tasks.password_reset_link_request, id_number=KNOWN_IC)
    # The reset link's email is queued (a durable row; the messages' own sweep delivers it).
    assert list(Message.objects.values_list("recipient", flat=True)) == ["owner@example.com"]
