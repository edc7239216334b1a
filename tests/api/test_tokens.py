"""Access and refresh tokens: the login issues them, they expire (15 minutes, refresh 30 days), a refresh rotates
both, logout and any password change revoke them; only their hashes are stored."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from matrix.accounts import services as account_services
from matrix.api.models import ApiSession
from matrix.api.tokens import token_hash
from tests.accounts.helpers import outbox_code
from tests.api.conftest import ApiClient
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(api: ApiClient, user, password: str = PASSWORD):
    step1 = api.post("/auth/login/ic", {"id_number": user.id_number}).json()
    return api.post("/auth/login/password", {"login_token": step1["login_token"], "password": password})


def test_login_issues_tokens_stored_only_as_hashes(api, user):
    response = login(api, user)
    assert response.status_code == 200, response.content
    tokens = response.json()
    session = ApiSession.objects.get(user=user)
    assert session.access_hash == token_hash(tokens["access_token"])
    assert session.refresh_hash == token_hash(tokens["refresh_token"])
    assert tokens["access_token"] not in str(ApiSession.objects.values().get())
    user.refresh_from_db()
    assert user.last_login is not None
    api.token = tokens["access_token"]
    assert api.get("/me").json()["id_number"] == user.id_number


def test_a_wrong_password_and_an_unknown_ic_get_one_answer(api, user):
    wrong = login(api, user, password="not the password")
    step1 = api.post("/auth/login/ic", {"id_number": "900101149999"}).json()
    unknown = api.post("/auth/login/password", {"login_token": step1["login_token"], "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "login_failed"


def test_repeated_failures_lock_the_ic_from_this_address_with_a_json_429(api, user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    answers = [login(api, user, password="wrong password") for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [401, 401]
    locked = answers[2]
    assert locked.status_code == 429 and locked["Content-Type"] == "application/json"
    assert locked.json()["code"] == "locked_out" and int(locked["Retry-After"]) > 0
    assert login(api, user).status_code == 429  # even the right password, while locked


def test_a_login_token_expires_after_ten_minutes(api, user):
    step1 = api.post("/auth/login/ic", {"id_number": user.id_number}).json()
    with time_machine.travel(timezone.now() + timedelta(minutes=10, seconds=1)):
        late = api.post("/auth/login/password", {"login_token": step1["login_token"], "password": PASSWORD})
    assert late.status_code == 422 and late.json()["code"] == "login_expired"


def test_the_access_token_works_until_its_fifteenth_minute(user_api):
    issued = user_api.pair.session.created_at
    with time_machine.travel(issued + timedelta(minutes=15) - timedelta(seconds=1), tick=False):
        assert user_api.get("/me").status_code == 200
    with time_machine.travel(issued + timedelta(minutes=15), tick=False):
        expired = user_api.get("/me")
    assert expired.status_code == 401 and expired.json()["code"] == "unauthorized"


def test_refresh_rotates_both_tokens_and_the_old_ones_stop(api, user_api):
    old = user_api.pair
    with time_machine.travel(old.session.created_at + timedelta(minutes=20)):
        fresh = api.post("/auth/token/refresh", {"refresh_token": old.refresh_token})
        assert fresh.status_code == 200, fresh.content
        tokens = fresh.json()
        assert tokens["access_token"] != old.access_token and tokens["refresh_token"] != old.refresh_token
        assert ApiClient(tokens["access_token"]).get("/me").status_code == 200
        assert ApiClient(old.access_token).get("/me").status_code == 401
        again = api.post("/auth/token/refresh", {"refresh_token": old.refresh_token})
    assert again.status_code == 401 and again.json()["code"] == "refresh_refused"


def test_a_refresh_token_expires_after_30_days(api, user_api):
    with time_machine.travel(user_api.pair.session.created_at + timedelta(days=30)):
        late = api.post("/auth/token/refresh", {"refresh_token": user_api.pair.refresh_token})
    assert late.status_code == 401


def test_logout_revokes_this_session_only(api, user, user_api):
    other_device = ApiClient(login(api, user).json()["access_token"])
    assert user_api.post("/auth/logout", {}).status_code == 200
    assert user_api.get("/me").status_code == 401
    assert api.post("/auth/token/refresh", {"refresh_token": user_api.pair.refresh_token}).status_code == 401
    assert other_device.get("/me").status_code == 200
    assert ApiSession.objects.get(pk=user_api.pair.session.pk).revoked_reason == "logout"


def test_logout_everywhere_revokes_every_session(api, user, user_api):
    other_device = ApiClient(login(api, user).json()["access_token"])
    assert user_api.post("/auth/logout", {"everywhere": True}).status_code == 200
    assert user_api.get("/me").status_code == 401 and other_device.get("/me").status_code == 401


def test_a_password_change_on_the_pages_revokes_every_token(api, user, user_api):
    account_services.password_change(user=user, new_password="another long passphrase")
    assert user_api.get("/me").status_code == 401
    assert api.post("/auth/token/refresh", {"refresh_token": user_api.pair.refresh_token}).status_code == 401
    assert ApiSession.objects.get(pk=user_api.pair.session.pk).revoked_reason == "password_changed"
    assert login(api, user, password="another long passphrase").status_code == 200


def test_a_password_reset_by_sms_code_revokes_every_token(user, user_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        account_services.password_reset_code_send(id_number=user.id_number)
    code = outbox_code(user.mobile)
    account_services.password_reset_by_code(id_number=user.id_number, code=code, new_password="a brand new phrase")
    assert user_api.get("/me").status_code == 401
    assert ApiSession.objects.filter(user=user, revoked_at__isnull=True).count() == 0


def test_other_saves_of_the_account_keep_the_tokens(user, user_api):
    account_services.secret_phrase_change(user=user, secret_phrase="Roti canai at dawn")
    user.full_name = "SITI BINTI HASSAN BARU"
    user.save()
    assert user_api.get("/me").status_code == 200


def test_a_portal_session_cookie_opens_nothing_in_the_api(user_client, user):
    """Only the bearer token authenticates: a signed-in browser gets 401, so a cross-site request riding the
    portal's cookie (CSRF) can do nothing through the API."""
    assert user_client.get("/api/v1/me").status_code == 401
    response = user_client.post("/api/v1/auth/logout", "{}", content_type="application/json")
    assert response.status_code == 401
