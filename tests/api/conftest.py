"""Fixtures of the API tests: a JSON client and tokens for a person."""

import json

import pytest
from django.test import Client

from matrix.api import tokens


class ApiClient:
    """Django's test client speaking JSON to /api/v1/, with an optional bearer token and language."""

    def __init__(self, token: str | None = None, language: str | None = None):
        self.client = Client()
        self.token = token
        self.language = language

    def headers(self, extra: dict | None = None) -> dict:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.language:
            headers["Accept-Language"] = self.language
        headers.update(extra or {})
        return headers

    def get(self, path: str, *, headers: dict | None = None, **params):
        return self.client.get(f"/api/v1{path}", params, headers=self.headers(headers))

    def post(self, path: str, body: dict | None = None, *, key: str | None = None, headers: dict | None = None):
        extra = dict(headers or {})
        if key is not None:
            extra["Idempotency-Key"] = key
        return self.client.post(f"/api/v1{path}", json.dumps(body if body is not None else {}),
                                content_type="application/json", headers=self.headers(extra))

    def post_multipart(self, path: str, data: dict, *, key: str | None = None):
        extra = {"Idempotency-Key": key} if key is not None else {}
        return self.client.post(f"/api/v1{path}", data, headers=self.headers(extra))


def session_tokens(user) -> tokens.TokenPair:
    return tokens.api_session_start(user=user)


@pytest.fixture
def api(db):
    return ApiClient()


@pytest.fixture
def user_api(user):
    """An ApiClient logged in as `user` (tokens issued by the service, as the login endpoint does)."""
    pair = session_tokens(user)
    client = ApiClient(pair.access_token)
    client.pair = pair
    return client


@pytest.fixture
def other_api(other_user):
    pair = session_tokens(other_user)
    client = ApiClient(pair.access_token)
    client.pair = pair
    return client
