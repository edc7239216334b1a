"""A person's page body is kept rendered under a key made of its content (issue 13): the same person's same
content is not rendered twice; any change of what it shows, of the language or of the person is another key;
another person never gets it; a cache that is down changes nothing but the speed."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from matrix.contributions import bodies
from matrix.contributions.models import Contribution
from matrix.payments.models import Payment
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db

URL = "/self-employed/contributions/"



def _person(id_number: str, sector: str = "hawker"):
    person = person_make(user=user_make(id_number=id_number))
    registration = registration_make(person=person, sector=sector)
    contribution = contribution_make(registration=registration, created_at=timezone.now() - timedelta(hours=2))
    return person, contribution


def _client(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def _without_tokens(page: str) -> str:
    return re.sub(r'(value|nonce)="[^"]*"', "", page)


def _rendered(client, url=URL) -> tuple[str, int]:
    """The page, and how many times the page itself (not a kept one) was rendered for it."""
    with mock.patch.object(bodies, "render_to_string", wraps=bodies.render_to_string) as render:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len([call for call in render.call_args_list if "/_" not in call.args[0]])


def test_the_same_content_is_rendered_once():
    person, contribution = _person("900101145678")
    client = _client(person)
    first, rendered = _rendered(client)
    second, again = _rendered(client)
    assert (rendered, again) == (1, 0)
    assert _without_tokens(first) == _without_tokens(second)
    assert f'data-contribution="{contribution.pk}"' in second


def test_a_change_of_what_the_page_shows_renders_it_again():
    person, contribution = _person("900101145678")
    client = _client(person)
    before, _ = _rendered(client)
    payment_make(contribution=contribution, at=timezone.now() - timedelta(hours=1), status=Payment.Status.FAILED)
    after, rendered = _rendered(client)
    assert rendered == 1
    assert 'class="badge-failed"' in after and 'class="badge-failed"' not in before.split("data-legends")[0]


def test_the_language_is_part_of_the_key():
    person, _ = _person("900101145678")
    client = _client(person)
    english, _ = _rendered(client)
    client.cookies["django_language"] = "ms"
    malay, rendered = _rendered(client, URL)
    assert rendered == 1 and "Sejarah Caruman" in malay and "Sejarah Caruman" not in english


def test_another_person_never_gets_a_kept_body():
    mine, my_contribution = _person("900101145678")
    theirs, their_contribution = _person("880202105555")
    my_page, _ = _rendered(_client(mine))
    their_page, rendered = _rendered(_client(theirs))
    assert rendered == 1
    assert f'data-contribution="{their_contribution.pk}"' in their_page
    assert f'data-contribution="{my_contribution.pk}"' not in their_page


def test_the_key_holds_the_person_even_for_the_same_content():
    context = {"rows": [], "labels": {"view": "View"}}
    one = bodies.body_key(user_id=1, templates=("contributions/_history_body.html",), context=context)
    two = bodies.body_key(user_id=2, templates=("contributions/_history_body.html",), context=context)
    assert one != two and one.startswith("page-body:1:") and two.startswith("page-body:2:")


def test_values_without_a_stable_text_are_refused():
    with pytest.raises(TypeError):
        bodies.body_key(user_id=1, templates=("contributions/_history_body.html",), context={"x": object()})


def test_the_page_is_rendered_when_the_cache_is_down():
    person, contribution = _person("900101145678")
    with mock.patch.object(bodies.cache, "get", side_effect=ConnectionError("down")), \
            mock.patch.object(bodies.cache, "set", side_effect=ConnectionError("down")):
        page, rendered = _rendered(_client(person))
    assert rendered == 1 and f'data-contribution="{contribution.pk}"' in page


def test_view_contribution_body_is_kept_and_follows_a_cancel():
    person, contribution = _person("900101145678")
    client = _client(person)
    url = f"/self-employed/contributions/{contribution.pk}/"
    _rendered(client, url)
    _, again = _rendered(client, url)
    assert again == 0
    Contribution.objects.filter(pk=contribution.pk).update(state=Contribution.State.CANCELLED,
                                                           cancelled_at=timezone.now())
    page, rendered = _rendered(client, url)
    assert rendered == 1 and 'data-contribution-status="CANCELLED"' in page


def test_a_model_with_an_unread_column_is_refused():
    person, contribution = _person("900101145678")
    partial = Contribution.objects.only("pk", "state").get(pk=contribution.pk)
    whole = Contribution.objects.select_related("registration__sector").get(pk=contribution.pk)
    with pytest.raises(TypeError):
        bodies.body_key(user_id=1, templates=("contributions/_history_body.html",), context={"c": partial})
    key = bodies.body_key(user_id=1, templates=("contributions/_history_body.html",), context={"c": whole})
    whole.registration.sector.name_en = "RENAMED"
    assert bodies.body_key(user_id=1, templates=("contributions/_history_body.html",), context={"c": whole}) != key


def test_a_body_the_key_cannot_hold_is_shown_and_not_kept():
    person, _ = _person("900101145678")
    # (Watched at the call, whatever the cache's backend: local memory, or Redis in CI's PostgreSQL pass.)
    with mock.patch.object(bodies, "_raw_checked", side_effect=TypeError("no")), \
            mock.patch.object(bodies.cache, "set", wraps=bodies.cache.set) as kept:
        page, rendered = _rendered(_client(person))
    assert rendered == 1 and "data-contribution-history" in page
    assert not [call for call in kept.call_args_list if "page" in str(call.args[0])]
