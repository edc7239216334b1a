"""Accounts test fixtures: a test client whose requests run their on-commit callbacks (SMS and email leave
after commit; inside a test's transaction nothing commits), like a real request does."""

import pytest
from django.test import Client, TestCase


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
