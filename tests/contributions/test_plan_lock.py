"""The plan lock (issue 8, defect 8): "Contribution plan is always locked for 1 year and no change of plan
allowed within this period". The lock lasts 12 months from the start of the first cover bought on a plan; a
change of plan at a renewal starts a new 12-month lock from that renewal's cover start. An unpaid renewal does
not move the lock: it is judged on paid periods."""

import pytest
from django.urls import reverse

from matrix.contributions.selectors import renewal_facts, renewal_plans
from matrix.contributions.services import RenewalRefused, contribution_mark_paid, contribution_renew
from matrix.core.kltime import kl_datetime
from matrix.reference.models import Plan
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def plan(number):
    return Plan.objects.get(number=number)


def offered(registration, now):
    return [p.number for p in renewal_plans(facts=renewal_facts(registration=registration), now=now)]


def renew_and_pay(user, registration, *, number, months, at):
    renewal = contribution_renew(user=user, registration=registration, plan=plan(number), months=months, now=at)
    contribution_mark_paid(contribution=renewal, paid_at=at)
    renewal.refresh_from_db()
    return renewal


@pytest.fixture
def registration(user):
    """Plan 2 from 10-01-2020 09:30 for 12 months: the first lock runs to 10-01-2021 09:30."""
    registration = registration_make(person=person_make(user=user), sector="agent")
    first = contribution_make(registration=registration, plan_number=2, months=12, created_at=kl_datetime(2020, 1, 10))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9, 30))
    return registration


def test_a_change_of_plan_after_the_first_year_starts_a_new_lock(user, registration):
    # After the first year the plan may change once...
    assert offered(registration, kl_datetime(2021, 1, 10, 9, 30)) == [1, 2, 3, 4]
    renewal = renew_and_pay(user, registration, number=4, months=1, at=kl_datetime(2021, 1, 12, 8))
    assert renewal.start_at == kl_datetime(2021, 1, 12, 8)  # lapsed two days: covered from the payment
    # ...and plan 4 is then locked for 12 months from that renewal's cover start, not only for one month.
    facts = renewal_facts(registration=registration)
    assert facts.plan_lock_until == kl_datetime(2022, 1, 12, 8)
    assert offered(registration, kl_datetime(2021, 2, 1)) == [4]
    assert offered(registration, kl_datetime(2022, 1, 12, 7, 59, 59)) == [4]
    assert offered(registration, kl_datetime(2022, 1, 12, 8)) == [1, 2, 3, 4]
    with pytest.raises(RenewalRefused) as error:
        contribution_renew(user=user, registration=registration, plan=plan(1), months=1, now=kl_datetime(2021, 2, 1))
    assert "locked for 1 year" in str(error.value.message)


def test_renewing_on_the_same_plan_keeps_the_lock_from_the_first_cover(user, registration):
    renew_and_pay(user, registration, number=2, months=6, at=kl_datetime(2020, 11, 1))
    facts = renewal_facts(registration=registration)
    assert facts.plan_lock_until == kl_datetime(2021, 1, 10, 9, 30)
    assert offered(registration, kl_datetime(2021, 1, 10, 9, 30)) == [1, 2, 3, 4]


def test_a_change_paid_ahead_locks_from_the_start_of_its_cover(user, registration):
    # Plan 2 renewed to 09-03-2021; after the first year's lock, plan 3 is bought ahead from 10-03-2021.
    renew_and_pay(user, registration, number=2, months=2, at=kl_datetime(2020, 12, 1))
    renewal = renew_and_pay(user, registration, number=3, months=1, at=kl_datetime(2021, 1, 20))
    assert renewal.start_at == kl_datetime(2021, 3, 10)
    assert renewal_facts(registration=registration).plan_lock_until == kl_datetime(2022, 3, 10)
    assert offered(registration, kl_datetime(2022, 3, 9, 23, 59, 59)) == [3]


def test_an_unpaid_change_of_plan_does_not_move_the_lock(user, registration):
    contribution_renew(user=user, registration=registration, plan=plan(4), months=1, now=kl_datetime(2021, 2, 1))
    facts = renewal_facts(registration=registration)
    assert facts.plan_lock_until == kl_datetime(2021, 1, 10, 9, 30)
    assert facts.locked_plan_number == 2


def test_the_renewal_page_offers_only_the_locked_plan(user, user_client, registration, time_machine):
    renew_and_pay(user, registration, number=4, months=1, at=kl_datetime(2021, 1, 12, 8))
    time_machine.move_to("2021-03-01 10:00:00+08:00")
    body = user_client.get(reverse("contributions:renew_sector", args=[registration.pk])).content.decode()
    assert "plan is locked until 12-01-2022." in body
    assert "RM 592.80" in body and "RM 232.80" not in body
    response = user_client.post(reverse("contributions:renew_sector", args=[registration.pk]),
                                {"plan": plan(2).pk, "months": 1, "step": "check"})
    assert response.status_code == 200 and "RM 232.80" not in response.content.decode()
