"""Issue 9 item 7: a signed-in request does not write the session every time, and the idle timeout still ends an
idle session to the second (the exact last activity rides in a signed cookie between session writes)."""

import time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.accounts.middleware import ACTIVITY_COOKIE, SESSION_KEY

pytestmark = pytest.mark.django_db

PAGE = "/accounts/management/"


def _session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries
            if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))]


@pytest.fixture
def short_idle(settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 600
    settings.SESSION_ACTIVITY_GRANULARITY_SECONDS = 60


def test_a_second_request_within_the_granularity_writes_nothing_to_the_session(user_client, short_idle):
    start = time.time()
    with time_machine.travel(start, tick=False):
        assert user_client.get(PAGE).status_code == 200
    with time_machine.travel(start + 30, tick=False), CaptureQueriesContext(connection) as queries:
        assert user_client.get(PAGE).status_code == 200
    assert _session_writes(queries.captured_queries) == []
    # Past the granularity the recorded time is brought forward (one write).
    with time_machine.travel(start + 61, tick=False), CaptureQueriesContext(connection) as queries:
        assert user_client.get(PAGE).status_code == 200
    assert len(_session_writes(queries.captured_queries)) == 1
    assert user_client.session[SESSION_KEY] == int(start + 61)


def test_the_timeout_counts_from_the_last_request_not_the_last_write(user_client, short_idle):
    start = time.time()
    with time_machine.travel(start, tick=False):
        user_client.get(PAGE)
    with time_machine.travel(start + 50, tick=False):
        user_client.get(PAGE)  # not written to the session: only the signed cookie knows
    with time_machine.travel(start + 50 + 590, tick=False):
        response = user_client.get(PAGE)
    assert response.status_code == 200  # 640 s after the last write, but 590 s after the last request
    with time_machine.travel(start + 50 + 590 + 601, tick=False):
        response = user_client.get(PAGE, follow=True)
    assert response.redirect_chain[0][0] == reverse("accounts:login")
    assert "You were signed out because you were inactive." in response.content.decode()
    assert user_client.get(PAGE).status_code == 302


def test_an_idle_session_ends_even_without_the_cookie(user_client, short_idle):
    start = time.time()
    with time_machine.travel(start, tick=False):
        user_client.get(PAGE)
    with time_machine.travel(start + 30, tick=False):
        user_client.get(PAGE)
    del user_client.cookies[ACTIVITY_COOKIE]
    with time_machine.travel(start + 601, tick=False):
        response = user_client.get(PAGE, HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["reason"] == "idle_timeout"


def test_a_forged_activity_cookie_keeps_nothing_alive(user_client, short_idle):
    start = time.time()
    with time_machine.travel(start, tick=False):
        user_client.get(PAGE)
    user_client.cookies[ACTIVITY_COOKIE] = str(int(start + 10_000))
    with time_machine.travel(start + 601, tick=False):
        assert user_client.get(PAGE).status_code == 302


def test_a_cookie_from_another_session_does_not_count(client, user, other_user, short_idle):
    start = time.time()
    client.force_login(other_user)
    with time_machine.travel(start + 500, tick=False):
        client.get(PAGE)
    stolen = client.cookies[ACTIVITY_COOKIE].value
    client.force_login(user)
    with time_machine.travel(start, tick=False):
        client.get(PAGE)
    client.cookies[ACTIVITY_COOKIE] = stolen
    with time_machine.travel(start + 601, tick=False):
        assert client.get(PAGE).status_code == 302
