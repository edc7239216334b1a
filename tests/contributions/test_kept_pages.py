"""Whole signed-in pages kept rendered under their content's key (matrix.contributions.bodies.page_render, issue
13): a kept page is never stale (a cover ending at its last second, a change of rows), never another person's,
carries a CSRF token of this visitor's own that works, never keeps nor loses a flash message, and follows the
Outbox link's rule per visitor."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from matrix.contributions import bodies
from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db

HISTORY = "/self-employed/contributions/"
DASHBOARD = "/self-employed/dashboard/"
HOME = "/self-employed/"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')



def _paid_person(id_number: str, *, start, months: int = 1):
    person = person_make(user=user_make(id_number=id_number))
    registration = registration_make(person=person, sector="hawker")
    contribution = contribution_make(registration=registration, months=months, created_at=start - timedelta(hours=1),
                                     state=Contribution.State.PAID, start_at=start,
                                     end_at=coverage_end(start=start, months=months), paid_at=start)
    return person, contribution


def _client(person, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(person.user, backend="matrix.accounts.backends.LoginBudgetBackend")
    return client


def _get(client, url, **extra) -> tuple[str, int]:
    """The page, and how many times the page itself was rendered for it (0: it was kept)."""
    with mock.patch.object(bodies, "render_to_string", wraps=bodies.render_to_string) as render:
        response = client.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode(), len([call for call in render.call_args_list if "/_" not in call.args[0]])


@pytest.mark.parametrize(("url", "marker", "active", "expired"), [
    (HISTORY, r'data-contribution-status="(\w+)"', "ACTIVE", "EXPIRED"),
    (DASHBOARD, r'data-cover-state="(\w+)"', "active", "expired"),
    ("/self-employed/contributions/{pk}/", r'data-contribution-status="(\w+)"', "ACTIVE", "EXPIRED"),
])
def test_a_kept_page_follows_the_second_a_cover_ends(time_machine, url, marker, active, expired):
    start = timezone.now() - timedelta(days=10)
    person, contribution = _paid_person("900101145678", start=start)
    url = url.format(pk=contribution.pk)
    time_machine.move_to(contribution.end_at, tick=False)  # the cover's last second
    client = _client(person)
    before, _ = _get(client, url)
    again, rendered = _get(client, url)
    assert rendered == 0 and again.count(active) == before.count(active)  # kept...
    assert re.search(marker, before).group(1) == active
    time_machine.move_to(contribution.end_at + timedelta(seconds=1), tick=False)
    after, rendered = _get(client, url)
    assert rendered == 1 and re.search(marker, after).group(1) == expired  # ...and never past its last second


def test_each_answer_carries_a_new_token_of_the_visitors_secret_that_works():
    person, _ = _paid_person("900101145678", start=timezone.now() - timedelta(days=3))
    client = _client(person, enforce_csrf_checks=True)
    first, _ = _get(client, HISTORY)
    second, rendered = _get(client, HISTORY)
    assert rendered == 0
    tokens = TOKEN.findall(first) + TOKEN.findall(second)
    assert tokens and bodies.TOKEN_PLACEHOLDER not in second
    assert TOKEN.findall(first)[0] != TOKEN.findall(second)[0]  # masked anew each time
    response = client.post("/i18n/setlang/", {"csrfmiddlewaretoken": TOKEN.findall(second)[0], "language": "ms",
                                               "next": HISTORY})
    assert response.status_code == 302  # the kept page's form is accepted, not refused as a forgery
    malay, rendered = _get(client, HISTORY)
    assert rendered == 1 and 'lang="ms"' in malay


def test_another_person_gets_their_own_page():
    start = timezone.now() - timedelta(days=3)
    mine, my_contribution = _paid_person("900101145678", start=start)
    theirs, their_contribution = _paid_person("880202105555", start=start)
    for url in (HOME, DASHBOARD, HISTORY):
        _get(_client(mine), url)
        page, rendered = _get(_client(theirs), url)
        assert rendered == 1, url
    page, _ = _get(_client(theirs), HISTORY)
    assert f'data-contribution="{their_contribution.pk}"' in page
    assert f'data-contribution="{my_contribution.pk}"' not in page


def test_a_flash_message_is_shown_once_and_never_kept():
    person, _ = _paid_person("900101145678", start=timezone.now() - timedelta(days=3))
    client = _client(person)
    _get(client, HISTORY)  # kept
    client.cookies["messages"] = CookieStorage(HttpRequest())._encode([Message(constants.SUCCESS, "Renewal saved.")])
    shown, rendered = _get(client, HISTORY)
    assert rendered == 1 and "Renewal saved." in shown
    later, rendered = _get(client, HISTORY)
    assert rendered == 0 and "Renewal saved." not in later


def test_the_outbox_link_follows_each_visitor(settings):
    settings.OUTBOX_ENABLED = True
    person, _ = _paid_person("900101145678", start=timezone.now() - timedelta(days=3))
    client = _client(person)
    local, _ = _get(client, HOME)
    public, _ = _get(client, HOME, REMOTE_ADDR="175.139.52.18")
    assert 'data-testid="outbox-link"' in local
    assert 'data-testid="outbox-link"' not in public
    again, rendered = _get(client, HOME, REMOTE_ADDR="175.139.52.18")
    assert rendered == 0 and 'data-testid="outbox-link"' not in again


def test_a_change_of_rows_renders_the_page_again():
    person, contribution = _paid_person("900101145678", start=timezone.now() - timedelta(days=3))
    client = _client(person)
    _get(client, DASHBOARD)
    _get(client, HISTORY)
    Contribution.objects.filter(pk=contribution.pk).update(state=Contribution.State.REJECTED)
    history, rendered = _get(client, HISTORY)
    assert rendered == 1 and 'data-contribution-status="REJECTED"' in history
    dashboard, rendered = _get(client, DASHBOARD)
    assert rendered == 1 and 'data-cover-state="rejected"' in dashboard


def test_a_new_translation_is_a_new_key():
    key = bodies.rows_key(user_id=1, templates=("contributions/_history_body.html",), parts=(1, [], []))
    bodies._TEMPLATE_DIGESTS.clear()
    with mock.patch.object(bodies, "_translations", return_value=["another"]):
        other = bodies.rows_key(user_id=1, templates=("contributions/_history_body.html",), parts=(1, [], []))
    bodies._TEMPLATE_DIGESTS.clear()
    assert key != other


def test_only_what_a_cursor_answers_can_key_a_page():
    assert bodies.rows_key(user_id=1, templates=("contributions/_history_body.html",),
                           parts=(1, [(2, "x", None, timezone.now())], ["ACTIVE"])) is not None
    assert bodies.rows_key(user_id=1, templates=("contributions/_history_body.html",), parts=(object(),)) is None
