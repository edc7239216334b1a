"""The signed-in user of every request is loaded by one written statement (matrix.accounts.selectors.user_by_pk,
issue 13), exactly as the ORM would load it, on SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matrix.accounts.backends import LoginBudgetBackend
from matrix.accounts.models import User
from matrix.accounts.selectors import user_by_pk
from tests.factories import user_make

pytestmark = pytest.mark.django_db


def test_it_loads_every_column_as_the_orm_does():
    user = user_make(id_number="900101145678")
    User.objects.filter(pk=user.pk).update(previous_login=timezone.now() - timedelta(days=3), is_staff=False,
                                           email="siti@example.com")
    expected = User.objects.get(pk=user.pk)
    loaded = user_by_pk(user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
        assert type(getattr(loaded, field.attname)) is type(getattr(expected, field.attname)), field.name
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert loaded.get_session_auth_hash() == expected.get_session_auth_hash()


@pytest.mark.parametrize("pk", [None, "", "abc", "12;DROP", 10**12])
def test_a_session_with_nonsense_or_an_unknown_id_gets_nobody(pk):
    assert user_by_pk(pk) is None


def test_the_backend_refuses_an_inactive_user_and_reads_once():
    active = user_make(id_number="900101145678")
    inactive = user_make(id_number="900101145679")
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    backend = LoginBudgetBackend()
    with CaptureQueriesContext(connection) as queries:
        assert backend.get_user(str(active.pk)).pk == active.pk
    assert len(queries) == 1
    assert backend.get_user(inactive.pk) is None


def test_a_signed_in_request_uses_it(client):
    user = user_make(id_number="900101145678")
    client.force_login(user, backend="matrix.accounts.backends.LoginBudgetBackend")
    assert client.session[BACKEND_SESSION_KEY] == "matrix.accounts.backends.LoginBudgetBackend"
    response = client.get("/self-employed/")
    assert response.status_code == 200
    assert response.wsgi_request.user.pk == user.pk
    User.objects.filter(pk=user.pk).update(password="changed")  # a password change ends the session
    assert client.get("/self-employed/").status_code == 302
