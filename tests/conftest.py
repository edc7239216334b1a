"""Shared fixtures. Tests marked `postgres` run only when DATABASE_URL points at PostgreSQL (the second CI
pass); elsewhere they are deselected, not skipped, so a skip is never counted as a pass."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls there are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


POSTGRES_ENGINES = ("django.db.backends.postgresql", "django.contrib.gis.db.backends.postgis")


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] in POSTGRES_ENGINES


# --- The PostgreSQL pass guard -------------------------------------------------------------------------------
# A run whose DATABASE_URL points at PostgreSQL is the PostgreSQL pass: it must run the postgres-marked tests
# on PostgreSQL, or fail loudly. It fails when Django is not on PostgreSQL after all, when the server cannot be
# reached, or when postgres-marked tests were collected but none of them ran (deselected by -m/-k, all skipped).
# A run of files that hold no postgres-marked test (`pytest tests/core`) is not concerned by the last rule.

_guard: dict = {"collected": set(), "ran": 0, "problems": []}


def database_url_is_postgres() -> bool:
    """Whether the DATABASE_URL environment variable names a PostgreSQL database."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return False
    import dj_database_url

    try:
        engine = dj_database_url.parse(url)["ENGINE"]
    except Exception:  # noqa: BLE001 - an unparsable URL is reported by Django itself
        return url.split(":", 1)[0].lower() in ("postgres", "postgresql", "pgsql", "postgis")
    return engine in POSTGRES_ENGINES


def postgres_unreachable_reason() -> str | None:
    """None when the configured PostgreSQL server accepts a connection, else why not."""
    import psycopg

    db = settings.DATABASES["default"]
    params = {
        "dbname": "postgres",  # the maintenance database, as Django uses to create the test database
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "connect_timeout": 10,
    }
    try:
        with psycopg.connect(**{key: value for key, value in params.items() if value is not None}) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip() or exc.__class__.__name__
    return None


def pytest_sessionstart(session):
    _guard.update(collected=set(), ran=0, problems=[])
    if not database_url_is_postgres():
        return
    if not on_postgres():
        engine, module = settings.DATABASES["default"]["ENGINE"], os.environ.get("DJANGO_SETTINGS_MODULE", "?")
        message = (f"DATABASE_URL points at PostgreSQL but Django's database engine is {engine} (settings "
                   f"{module}): the postgres-marked tests would not run.")
    else:
        reason = postgres_unreachable_reason()
        if reason is None:
            return
        db = settings.DATABASES["default"]
        message = (f"DATABASE_URL points at PostgreSQL on {db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}, "
                   f"which cannot be reached: {reason}")
    pytest.exit(f"PostgreSQL pass guard: {message}", returncode=pytest.ExitCode.USAGE_ERROR)


def pytest_runtest_logreport(report):
    if report.when == "call" and (report.passed or report.failed) and report.nodeid in _guard["collected"]:
        _guard["ran"] += 1


def pytest_sessionfinish(session, exitstatus):
    if not database_url_is_postgres() or not on_postgres() or session.config.option.collectonly:
        return
    if _guard["collected"] and not _guard["ran"] and exitstatus != pytest.ExitCode.INTERRUPTED:
        _guard["problems"].append(
            f"{len(_guard['collected'])} postgres-marked tests were collected but none of them ran (deselected by -m "
            "or -k, or skipped): this run proves nothing on PostgreSQL. Unset DATABASE_URL for a SQLite-only run.")
    if _guard["problems"] and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    for message in _guard["problems"]:
        terminalreporter.write_sep("=", "PostgreSQL pass guard", red=True, bold=True)
        terminalreporter.write_line(f"PostgreSQL pass guard: {message}", red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Count the postgres-marked tests (before -m/-k deselect any); deselect the tests of the other engine."""
    _guard["collected"] = {item.nodeid for item in items if item.get_closest_marker("postgres")}
    # `postgres` tests run only on PostgreSQL; `sqlite` tests (SQLite-specific, or engine-independent and slow, such
    # as a fresh clone's `make run`) only on SQLite. Each is deselected on the other engine, never skipped.
    other = "sqlite" if on_postgres() else "postgres"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


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
    included; put the migration's reference rows back before each of them. The staff audit table refuses DELETE
    (a trigger): on SQLite, whose flush deletes, lift it for the moment of the flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if not transactional and not {"transactional_db", "live_server"} & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("transactional_db")
    from tests.backoffice.audit_rows import audit_rows_purge
    from tests.factories import reference_data_ensure

    reference_data_ensure()
    yield
    audit_rows_purge()


def second_factor_verified(client, user):
    """Sign `client` in as `user` with a verified TOTP device, as the staff sign-in does: the Django admin and the
    back office refuse a session without one."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, with the second factor the admin requires."""
    return second_factor_verified(client, admin_user)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (Playwright's sync API allows one event loop per thread): the browser
    tests and the deployment tests share it."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test`, which installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
