"""Races from several sessions at once, through the portal's pages on PostgreSQL (each session in a thread and a
database connection of its own): Submit & Pay of one registration, Renew & Pay of one sector, PAY WITH FPX of one
contribution; a counter payment against an FPX approval arriving at the live portal, in rounds. One record
each; every other session is sent on cleanly (never a server error). The same actions
raced at the service level: tests/registrations/test_services.py, tests/contributions/test_renew.py,
tests/payments/test_start_race_pg.py; a counter payment against an FPX approval in its worst interleaving:
tests/backoffice/test_counter_race_pg.py."""

import pytest

from tests.stress import scenarios

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS, SESSIONS = (10, 8) if scenarios.FULL else (1, 4)


@pytest.mark.parametrize("scenario", [scenarios.race_registration_submit, scenarios.race_renewal_buy,
                                      scenarios.race_payment_start])
def test_the_same_action_from_several_sessions_makes_one_record(scenario):
    row = scenario(rounds=ROUNDS, sessions=SESSIONS)
    print("\n" + scenarios.table([row]))
    assert row.lost == 0 and row.failures == 0, row.summary()


def test_a_counter_payment_against_an_fpx_approval_pays_once(fpx_key):
    from matrix.backoffice.models import Role
    from tests.backoffice.conftest import make_staff

    officer = make_staff("counter1", Role.OFFICER)
    row = scenarios.race_counter_vs_fpx(rounds=ROUNDS * 3, key=fpx_key, staff_user=officer.user)
    print("\n" + scenarios.table([row]))
    assert row.lost == 0 and row.failures == 0, row.summary()
