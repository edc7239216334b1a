import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import renewal_facts, renewal_plans
from matrix.contributions.services import (
    RenewalRefused,
    UnpaidRenewalExists,
    contribution_mark_paid,
    contribution_renew,
)
from matrix.core.kltime import kl_datetime
from matrix.reference.models import Plan
from tests.concurrency import race
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db


def paid_registration(user, *, sector="agent", plan_number=2, months=5, paid_at=None):
    paid_at = paid_at or kl_datetime(2020, 1, 10, 9, 30, 0)
    registration = registration_make(person=person_make(user=user), sector=sector, submitted_at=paid_at)
    first = contribution_make(registration=registration, plan_number=plan_number, months=months, created_at=paid_at)
    contribution_mark_paid(contribution=first, paid_at=paid_at)
    return registration


def plan(number):
    return Plan.objects.get(number=number)


def test_renewal_awaits_payment_and_is_covered_from_the_day_after_when_paid(user):
    registration = paid_registration(user)  # 10-01-2020 09:30:00 .. 09-06-2020 23:59:59
    renewal = contribution_renew(user=user, registration=registration, plan=plan(2), months=3,
                                 now=kl_datetime(2020, 3, 1))
    assert renewal.kind == "RENEWAL" and renewal.state == "AWAITING_PAYMENT"
    assert str(renewal.amount) == "58.20" and renewal.start_at is None
    contribution_mark_paid(contribution=renewal, paid_at=kl_datetime(2020, 3, 1, 10))
    renewal.refresh_from_db()
    assert (renewal.start_at, renewal.end_at) == (kl_datetime(2020, 6, 10), kl_datetime(2020, 9, 9, 23, 59, 59))


def test_the_period_shown_before_paying(user):
    registration = paid_registration(user)
    facts = renewal_facts(registration=registration)
    running = facts.period_if_paid_at(paid_at=kl_datetime(2020, 3, 1), months=2)
    assert (running.start, running.end) == (kl_datetime(2020, 6, 10), kl_datetime(2020, 8, 9, 23, 59, 59))
    lapsed = facts.period_if_paid_at(paid_at=kl_datetime(2020, 7, 1, 8, 0, 5), months=1)
    assert (lapsed.start, lapsed.end) == (kl_datetime(2020, 7, 1, 8, 0, 5), kl_datetime(2020, 7, 31, 23, 59, 59))


def test_the_plan_is_locked_for_a_year_from_the_first_cover(user):
    registration = paid_registration(user, plan_number=2)
    facts = renewal_facts(registration=registration)
    assert [p.number for p in renewal_plans(facts=facts, now=kl_datetime(2021, 1, 10, 9, 29))] == [2]
    assert [p.number for p in renewal_plans(facts=facts, now=kl_datetime(2021, 1, 10, 9, 30))] == [1, 2, 3, 4]
    with pytest.raises(RenewalRefused) as error:
        contribution_renew(user=user, registration=registration, plan=plan(4), months=1, now=kl_datetime(2020, 6, 1))
    assert "locked for 1 year" in str(error.value.message)
    renewal = contribution_renew(user=user, registration=registration, plan=plan(4), months=1,
                                 now=kl_datetime(2021, 2, 1))
    assert str(renewal.monthly_contribution) == "49.40"


def test_a_second_unpaid_renewal_is_refused(user):
    registration = paid_registration(user)
    first = contribution_renew(user=user, registration=registration, plan=plan(2), months=1)
    with pytest.raises(UnpaidRenewalExists) as error:
        contribution_renew(user=user, registration=registration, plan=plan(2), months=2)
    assert error.value.contribution == first
    assert Contribution.objects.filter(kind="RENEWAL").count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        contribution_make(registration=registration, kind="RENEWAL")
    # Once the first is paid, the next renewal may be asked for.
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 3, 1))
    contribution_renew(user=user, registration=registration, plan=plan(2), months=2)
    assert Contribution.objects.filter(kind="RENEWAL").count() == 2


def test_renewal_of_an_unpaid_or_rejected_registration_is_refused(user, other_user):
    unpaid = registration_make(person=person_make(user=user), sector="art")
    contribution_make(registration=unpaid)
    with pytest.raises(RenewalRefused) as error:
        contribution_renew(user=user, registration=unpaid, plan=plan(2), months=1)
    assert str(error.value.message) == "Pay the registration of this sector before renewing it."
    rejected = registration_make(person=unpaid.person, sector="food")
    contribution_make(registration=rejected, state="REJECTED", rejected_reason="Wrong sector")
    with pytest.raises(RenewalRefused) as error:
        contribution_renew(user=user, registration=rejected, plan=plan(2), months=1)
    assert "rejected" in str(error.value.message)
    with pytest.raises(Contribution.registration.field.related_model.DoesNotExist):
        contribution_renew(user=other_user, registration=unpaid, plan=plan(2), months=1)
    assert not Contribution.objects.filter(kind="RENEWAL").exists()


def test_renew_pages_choose_check_and_hand_over_to_payment(user, user_client, time_machine):
    time_machine.move_to("2020-03-01 10:00:00+08:00")
    registration = paid_registration(user, plan_number=2)
    unpaid = registration_make(person=registration.person, sector="art")
    contribution_make(registration=unpaid)

    body = user_client.get(reverse("contributions:renew")).content.decode()
    assert "AGENT" in body and f'<option value="{unpaid.pk}"' not in body
    response = user_client.post(reverse("contributions:renew"), {"registration": unpaid.pk})
    assert "Select the sector to renew." in response.content.decode()
    response = user_client.post(reverse("contributions:renew"), {"registration": registration.pk})
    url = reverse("contributions:renew_sector", args=[registration.pk])
    assert response["Location"] == url

    body = user_client.get(url).content.decode()
    assert "RM 232.80 ANNUALLY" in body and "RM 157.20 ANNUALLY" not in body  # locked plan
    assert "This sector&#x27;s plan is locked until 10-01-2021." in body or "plan is locked until 10-01-2021" in body
    assert "09-06-2020 23:59:59" in body  # covered until

    response = user_client.post(url, {"step": "check", "plan": plan(4).pk, "months": 3})
    assert "Select a contribution plan." in response.content.decode()
    response = user_client.post(url, {"step": "check", "plan": plan(2).pk, "months": 3})
    body = response.content.decode()
    assert "Check your answers" in body and "RM 58.20" in body and "3 Month(s)" in body
    assert "10-06-2020 00:00:00 - 09-09-2020 23:59:59" in body
    assert "Renew &amp; Pay" in body or "Renew & Pay" in body
    assert not Contribution.objects.filter(kind="RENEWAL").exists()

    response = user_client.post(url, {"step": "confirm", "plan": plan(2).pk, "months": 3})
    renewal = Contribution.objects.get(kind="RENEWAL")
    assert response["Location"] == f"/payments/contribution/{renewal.pk}/pay/"
    # Again (double click): no second renewal; sent to the one awaiting payment with a message.
    response = user_client.post(url, {"step": "confirm", "plan": plan(2).pk, "months": 3}, follow=True)
    assert response.redirect_chain[0][0] == reverse("contributions:detail", args=[renewal.pk])
    assert "already has a renewal awaiting payment" in response.content.decode()
    assert Contribution.objects.filter(kind="RENEWAL").count() == 1


def test_renew_pages_refuse_an_unpaid_registration_with_a_message(user, user_client):
    registration = registration_make(person=person_make(user=user), sector="art")
    contribution_make(registration=registration)
    url = reverse("contributions:renew_sector", args=[registration.pk])
    response = user_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("contributions:renew")
    assert "Pay the registration of this sector before renewing it." in response.content.decode()
    response = user_client.post(url, {"step": "confirm", "plan": plan(2).pk, "months": 3})
    assert not Contribution.objects.filter(kind="RENEWAL").exists()


def test_change_link_brings_the_answers_back(user, user_client, time_machine):
    time_machine.move_to("2021-03-01 10:00:00+08:00")
    registration = paid_registration(user)
    url = reverse("contributions:renew_sector", args=[registration.pk])
    body = user_client.post(url, {"step": "check", "plan": plan(3).pk, "months": 7}).content.decode()
    change = f"{url}?plan={plan(3).pk}&amp;months=7"
    assert change in body
    body = user_client.get(f"{url}?plan={plan(3).pk}&months=7").content.decode()
    assert f'value="{plan(3).pk}" data-monthly-sen="3690" class="mt-1 h-5 w-5" checked' in body
    assert '<option value="7" selected>' in body
    # After the lapse the renewal starts when paid (not when this page is drawn).
    body = user_client.post(url, {"step": "check", "plan": plan(3).pk, "months": 1}).content.decode()
    assert "From the time your payment is accepted; if paid today, until 31-03-2021 23:59:59" in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_renewals_of_a_sector_give_one():
    user = user_make()
    registration = paid_registration(user)
    outcomes = race(lambda: contribution_renew(user=user, registration=registration, plan=plan(2), months=1))
    names = sorted(type(outcome).__name__ for outcome in outcomes)
    assert names == ["Contribution", "UnpaidRenewalExists"], outcomes
    assert Contribution.objects.filter(kind="RENEWAL", state="AWAITING_PAYMENT").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_inserts_of_unpaid_renewals_are_refused_by_the_constraint_itself():
    registration = paid_registration(user_make())

    def insert():
        with transaction.atomic():
            return contribution_make(registration=registration, kind="RENEWAL")

    outcomes = race(insert)
    assert len([outcome for outcome in outcomes if isinstance(outcome, IntegrityError)]) == 1, outcomes
    assert Contribution.objects.filter(kind="RENEWAL").count() == 1


def test_the_check_page_promises_only_what_payment_will_do(user, user_client, time_machine):
    registration = paid_registration(user, plan_number=2)  # covered until 09-06-2020 23:59:59
    url = reverse("contributions:renew_sector", args=[registration.pk])
    time_machine.move_to("2020-03-01 10:00:00+08:00")
    user_client.force_login(user)
    body = user_client.post(url, {"step": "check", "plan": plan(2).pk, "months": 3}).content.decode()
    assert "10-06-2020 00:00:00 - 09-09-2020 23:59:59" in body
    assert "Pay before your cover ends on 09-06-2020 23:59:59." in body

    # After the lapse the start is the payment's acceptance, not the moment the page was drawn.
    time_machine.move_to("2020-07-01 10:00:00+08:00")
    user_client.force_login(user)
    body = user_client.post(url, {"step": "check", "plan": plan(2).pk, "months": 3}).content.decode()
    assert "01-07-2020 10:00:00" not in body
    assert "From the time your payment is accepted; if paid today, until 30-09-2020 23:59:59" in body
    user_client.post(url, {"step": "confirm", "plan": plan(2).pk, "months": 3})
    renewal = Contribution.objects.get(kind="RENEWAL")
    contribution_mark_paid(contribution=renewal, paid_at=kl_datetime(2020, 7, 1, 15, 20, 5))
    renewal.refresh_from_db()
    assert (renewal.start_at, renewal.end_at) == (kl_datetime(2020, 7, 1, 15, 20, 5),
                                                  kl_datetime(2020, 9, 30, 23, 59, 59))
