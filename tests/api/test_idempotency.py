"""Idempotency-Key on mutating POSTs: a repeat with the same key and input answers the first answer and acts once;
the same key with other input is refused; keys last 24 hours; one person's key never meets another's answer."""

from datetime import timedelta
from functools import partial

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from matrix.accounts.models import OneTimeCode
from matrix.api.models import ApiPreference, ApiSession, IdempotencyRecord
from matrix.contributions.models import Contribution
from tests.api.conftest import ApiClient, session_tokens
from tests.api.helpers import paid_registration
from tests.concurrency import LockHeld, race
from tests.factories import PASSWORD, user_make

pytestmark = pytest.mark.django_db


def renewals(registration) -> int:
    return Contribution.objects.filter(registration=registration, kind=Contribution.Kind.RENEWAL).count()


def test_a_replay_answers_the_first_answer_and_renews_once(user, user_api):
    registration, _first = paid_registration(user)
    path = f"/registrations/{registration.pk}/renewals"
    plan_id = _first.plan_id
    first = user_api.post(path, {"plan_id": plan_id, "months": 3}, key="renew-1")
    again = user_api.post(path, {"plan_id": plan_id, "months": 3}, key="renew-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert renewals(registration) == 1
    # Without the key the same request acts again (and is refused: a renewal already awaits payment).
    assert user_api.post(path, {"plan_id": plan_id, "months": 3}).status_code == 409


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(user, user_api):
    registration, first = paid_registration(user)
    path = f"/registrations/{registration.pk}/renewals"
    assert user_api.post(path, {"plan_id": first.plan_id, "months": 3}, key="renew-2").status_code == 201
    other = user_api.post(path, {"plan_id": first.plan_id, "months": 4}, key="renew-2")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    on_other_operation = user_api.post("/me/preferences", {"language": "ms"}, key="renew-2")
    assert on_other_operation.status_code == 422
    assert renewals(registration) == 1
    assert not ApiPreference.objects.filter(user=user).exists()


def test_a_refusal_is_replayed_too(user, user_api):
    registration, first = paid_registration(user)
    path = f"/registrations/{registration.pk}/renewals"
    refused = user_api.post(path, {"plan_id": first.plan_id, "months": 13}, key="renew-3")
    assert refused.status_code == 422
    assert user_api.post(path, {"plan_id": first.plan_id, "months": 13}, key="renew-3").content == refused.content


def test_keys_expire_after_24_hours(user, user_api):
    assert user_api.post("/me/preferences", {"language": "ms"}, key="pref").status_code == 200
    assert user_api.post("/me/preferences", {"language": "en"}, key="pref-2").json()["language"] == "en"
    record = IdempotencyRecord.objects.get(key="pref")
    assert record.expires_at == record.created_at + timedelta(hours=24)
    with time_machine.travel(record.expires_at - timedelta(seconds=1), tick=False):
        app = ApiClient(session_tokens(user).access_token)  # the first access token has long expired
        replay = app.post("/me/preferences", {"language": "ms"}, key="pref")
        assert replay["Idempotent-Replayed"] == "true"
        assert ApiPreference.objects.get(user=user).language == "en"  # not acted again
    with time_machine.travel(record.expires_at, tick=False):
        app = ApiClient(session_tokens(user).access_token)
        acted = app.post("/me/preferences", {"language": "ms"}, key="pref")
        assert acted.status_code == 200 and not acted.has_header("Idempotent-Replayed")
        assert ApiPreference.objects.get(user=user).language == "ms"


def test_keys_belong_to_their_account(user, user_api, other_user, other_api):
    assert user_api.post("/me/preferences", {"language": "ms"}, key="shared").status_code == 200
    other = other_api.post("/me/preferences", {"language": "en"}, key="shared")
    assert other.status_code == 200 and not other.has_header("Idempotent-Replayed")
    assert ApiPreference.objects.get(user=other_user).language == "en"


def test_a_replayed_sign_up_sends_one_code(api, django_capture_on_commit_callbacks):
    body = {"id_type": "MYKAD", "id_number": "790811-08-7654", "full_name": "AHMAD BIN ALI",
            "email": "ahmad@gmail.com", "mobile": "+60 10-887 7665", "terms_accepted": True,
            "captcha_key": "dummy", "captcha_value": "PASSED"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/auth/signup", body, key="signup-1")
        again = api.post("/auth/signup", body, key="signup-1")
    assert first.status_code == 201, first.content
    assert again.content == first.content
    assert OneTimeCode.objects.count() == 1
    changed = api.post("/auth/signup", {**body, "email": "ali@gmail.com"}, key="signup-1")
    assert changed.status_code == 422


def test_a_replayed_login_hands_back_the_same_tokens_and_stores_them_encrypted(api, user):
    step1 = api.post("/auth/login/ic", {"id_number": user.id_number}).json()
    body = {"login_token": step1["login_token"], "password": PASSWORD}
    first = api.post("/auth/login/password", body, key="login-1")
    again = api.post("/auth/login/password", body, key="login-1")
    assert first.status_code == 200 and again.content == first.content
    assert ApiSession.objects.filter(user=user).count() == 1
    stored = IdempotencyRecord.objects.get(key="login-1")
    assert first.json()["access_token"] not in stored.body_encrypted
    wrong = api.post("/auth/login/password", {**body, "password": "guessing"}, key="login-1")
    assert wrong.status_code == 422  # another body: no tokens for a different password


def test_a_key_too_long_is_refused(user_api):
    response = user_api.post("/me/preferences", {"language": "ms"}, key="k" * 256)
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_invalid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_renew_once_on_postgresql():
    user = user_make()
    registration, first = paid_registration(user)
    token = session_tokens(user).access_token
    path = f"/api/v1/registrations/{registration.pk}/renewals"

    def renew():
        response = Client().post(path, {"plan_id": first.plan_id, "months": 3}, content_type="application/json",
                                 headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "same"})
        return response.status_code, response.content, response.has_header("Idempotent-Replayed")

    # Both requests are held inside their transactions (one at the contributions table, the other behind the first's
    # idempotency row) before either commits: the unique constraint, not timing, decides.
    with LockHeld("LOCK TABLE contributions_contribution IN EXCLUSIVE MODE", waiters=2) as held:
        outcomes = race(partial(renew), threads=2)
    assert held.released_on_waiters
    assert all(not isinstance(outcome, BaseException) for outcome in outcomes), outcomes
    assert [status for status, _body, _replayed in outcomes] == [201, 201]
    assert outcomes[0][1] == outcomes[1][1]
    assert sorted(replayed for _status, _body, replayed in outcomes) == [False, True]
    assert renewals(registration) == 1


def test_api_purge_deletes_expired_keys_and_dead_sessions(user, user_api):
    from django.core.management import call_command

    from matrix.api.tokens import api_session_revoke

    user_api.post("/me/preferences", {"language": "ms"}, key="old")
    dead = session_tokens(user).session
    api_session_revoke(session=dead)
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        user_api.post("/me/preferences", {"language": "en"}, key="young")  # its token expired: 401, not stored
        call_command("api_purge")
        assert not IdempotencyRecord.objects.filter(key="old").exists()
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        call_command("api_purge")
    assert not ApiSession.objects.filter(pk=dead.pk).exists()
    assert ApiSession.objects.filter(pk=user_api.pair.session.pk).exists()  # still refreshable
