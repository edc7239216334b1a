"""Concurrent sign-ups with one IC number leave exactly one account (the unique constraint decides)."""

from functools import partial

import pytest

from matrix.accounts.errors import OtpLimited, SignupAlreadyDone
from matrix.accounts.models import OneTimeCode, User
from matrix.accounts.services import account_signup_start
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def _sign_up(n: int) -> str:
    account_signup_start(
        id_type="MYKAD", id_number="790811087654", full_name=f"PERSON {n}", email=f"p{n}@example.com",
        mobile=f"6012300000{n}",
    )
    return "created"


def _label(outcome) -> str:
    if isinstance(outcome, SignupAlreadyDone):
        return "already"
    if isinstance(outcome, OtpLimited):
        return "cooldown"
    if isinstance(outcome, BaseException):
        return f"error: {outcome!r}"
    return outcome


def test_concurrent_sign_ups_with_one_ic_leave_one_account():
    outcomes = [_label(outcome) for outcome in race(*[partial(_sign_up, n) for n in range(THREADS)], timeout=60)]

    assert len(outcomes) == THREADS
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert User.objects.filter(id_number="790811087654").count() == 1
    # Exactly one sign-up created the account; the others either lost the race (told "already signed up") or,
    # arriving after it committed, were refused by the resend cooldown of that pending account.
    assert outcomes.count("created") == 1
    assert set(outcomes) <= {"created", "already", "cooldown"}
    assert OneTimeCode.objects.count() == 1
