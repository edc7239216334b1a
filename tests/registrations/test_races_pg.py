"""Races on registration, on PostgreSQL with real threads: a brand-new person (an account with no particulars
yet) submits two sectors at the same moment. The account row is the person's lock (registration_submit), so the
two submits run one after the other: one person row, one Self-Employed Code, two registrations.

The interleaving is fixed, not left to timing: the code table is held locked until both submits wait, so
without the account lock both would have looked for the person (none yet) before either stored one."""

from functools import partial

import pytest

from matrix.contributions.models import Contribution
from matrix.core.identifiers import self_employed_code_is_valid
from matrix.core.models import SelfEmployedCodeNumber
from matrix.registrations.models import Registration, SelfEmployedPerson
from tests.concurrency import LockHeld, race
from tests.factories import user_make
from tests.registrations.test_services import submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_new_person_submitting_two_sectors_at_once_gets_one_person_and_one_code():
    user = user_make()
    assert not SelfEmployedPerson.objects.filter(user=user).exists()
    codes = SelfEmployedCodeNumber._meta.db_table

    with LockHeld(f"LOCK TABLE {codes} IN EXCLUSIVE MODE", waiters=2) as held:
        outcomes = race(partial(submit, user, "information-technology"), partial(submit, user, "art"), timeout=60)
    assert held.released_on_waiters, "the two submits never both waited: the interleaving was not the one meant"

    assert all(isinstance(outcome, Contribution) for outcome in outcomes), outcomes
    [person] = SelfEmployedPerson.objects.filter(user=user)
    assert self_employed_code_is_valid(person.self_employed_code)
    assert SelfEmployedCodeNumber.objects.count() == 1  # one code drawn, none wasted
    registrations = Registration.objects.filter(person=person)
    assert sorted(registrations.values_list("sector__code", flat=True)) == ["art", "information-technology"]
    assert {outcome.registration.person_id for outcome in outcomes} == {person.pk}
    assert Contribution.objects.filter(registration__person=person, kind=Contribution.Kind.REGISTRATION).count() == 2
