"""Shared fixtures. Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL (the second CI
pass); elsewhere they are deselected, not skipped, so a skip is never counted as a pass."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    if on_postgres():
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _embedded_settings(settings, tmp_path):
    """Every test sees the embedded default: private files in a temporary folder, SMS and email into the
    outbox table (pytest-django would otherwise swap email for its in-memory backend)."""
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.EMAIL_BACKEND = "matrix.notifications.backends.OutboxEmailBackend"
    settings.SMS_BACKEND = "outbox"


@pytest.fixture
def user(db):
    from tests.factories import user_make

    return user_make()


@pytest.fixture
def other_user(db):
    from tests.factories import user_make

    return user_make(full_name="LIM AH KOW", email="lim@example.com", mobile="60198765432")


@pytest.fixture
def user_client(client, user):
    """A test client signed in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _reset_language():
    """A request leaves its language active in the test thread: start and end every test in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Transactional tests (browser, races) end with a flush that empties every table, reference data
    included; put the migration's reference rows back before each of them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if not transactional and not {"transactional_db", "live_server"} & set(request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    from tests.factories import reference_data_ensure

    reference_data_ensure()
