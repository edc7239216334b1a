"""Concurrent sign-ups with one IC number leave exactly one account (the unique constraint decides)."""

import threading

import pytest
from django.db import connection

from matrix.accounts.errors import OtpLimited, SignupAlreadyDone
from matrix.accounts.models import OneTimeCode, User
from matrix.accounts.services import account_signup_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


def test_concurrent_sign_ups_with_one_ic_leave_one_account():
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def sign_up(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            account_signup_start(
                id_type="MYKAD", id_number="790811087654", full_name=f"PERSON {n}", email=f"p{n}@example.com",
                mobile=f"6012300000{n}",
            )
            outcome = "created"
        except SignupAlreadyDone:
            outcome = "already"
        except OtpLimited:
            outcome = "cooldown"
        except Exception as error:  # noqa: BLE001 - reported below
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == THREADS
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert User.objects.filter(id_number="790811087654").count() == 1
    # Exactly one sign-up created the account; the others either lost the race (told "already signed up") or,
    # arriving after it committed, were refused by the resend cooldown of that pending account.
    assert outcomes.count("created") == 1
    assert set(outcomes) <= {"created", "already", "cooldown"}
    assert OneTimeCode.objects.count() == 1
