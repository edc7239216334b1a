"""Accounts test fixtures: a test client whose requests run their on-commit callbacks (SMS and email leave
after commit; inside a test's transaction nothing commits), like a real request does."""

import pytest
from django.test import Client, TestCase

from tests.factories import PASSWORD


class CommittingClient(Client):
    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


@pytest.fixture
def client():
    return CommittingClient()


@pytest.fixture
def make_client():
    return CommittingClient


@pytest.fixture
def committed():
    """`with committed(): service(...)` runs the service's on-commit callbacks (sends its SMS/email)."""
    return lambda: TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def signed_in(make_client, user):
    """A client that logged in as `user` through the two login steps."""
    client = make_client()
    client.post("/accounts/login/", {"id_number": user.id_number})
    assert client.post("/accounts/login/password/", {"password": PASSWORD}).status_code == 302
    return client
