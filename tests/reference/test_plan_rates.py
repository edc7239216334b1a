"""Rates (issue 8, defect 9): two rates of one plan number are never in force on the same day. The database
refuses an overlapping effective period (an exclusion constraint on PostgreSQL, triggers on SQLite), the admin
says why, and the registration and renewal pages offer the one rate in force."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from matrix.reference.models import Plan
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db


def rate(number=2, *, start, end=None, monthly="21.00"):
    return Plan.objects.create(number=number, insured_monthly_earnings=Decimal("1700"),
                               monthly_contribution=Decimal(monthly), effective_from=start, effective_to=end)


def refused(**kwargs):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        rate(**kwargs)
    return str(error.value)


def end_date_plan_2(last_day: date) -> Plan:
    old = Plan.objects.get(number=2)
    old.effective_to = last_day
    old.save(update_fields=["effective_to"])
    return old


def test_a_second_open_ended_rate_of_a_plan_is_refused():
    # Plan 2's seeded rate is in force from 2020 with no end: a new open-ended rate would make two.
    assert "plan_rates_never_overlap" in refused(start=date(2031, 1, 1))
    assert Plan.objects.filter(number=2).count() == 1


def test_a_rate_overlapping_by_one_day_is_refused_and_an_adjacent_one_is_accepted():
    end_date_plan_2(date(2030, 12, 31))  # the last day in force (in_force reads effective_to inclusively)
    refused(start=date(2030, 12, 31))
    refused(start=date(2029, 1, 1), end=date(2029, 6, 30))  # inside the old period
    new = rate(start=date(2031, 1, 1))
    assert [p.pk for p in Plan.objects.in_force(date(2031, 1, 1)).filter(number=2)] == [new.pk]
    # Other plan numbers are independent.
    rate(number=9, start=date(2031, 1, 1))


def test_an_update_that_makes_two_rates_overlap_is_refused():
    old = end_date_plan_2(date(2030, 12, 31))
    rate(start=date(2031, 1, 1))
    old.effective_to = None
    with pytest.raises(IntegrityError), transaction.atomic():
        old.save(update_fields=["effective_to"])
    old.refresh_from_db()
    assert old.effective_to == date(2030, 12, 31)


@pytest.mark.postgres
def test_postgresql_holds_it_as_an_exclusion_constraint():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conname = 'plan_rates_never_overlap' AND contype = 'x'")
        [(definition,)] = cursor.fetchall()
    assert "daterange(effective_from, (effective_to + 1), '[)'::text) WITH &&" in definition
    assert "number WITH =" in definition
    end_date_plan_2(date(2030, 12, 31))
    assert "plan_rates_never_overlap" in refused(start=date(2030, 6, 1), end=date(2031, 6, 1))


def test_the_admin_explains_an_overlapping_rate_and_stores_nothing(client):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = user_make(is_staff=True, is_superuser=True)
    client.force_login(admin)
    # The admin asks for a second factor: as if the TOTP step had been passed.
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    response = client.post(reverse("admin:reference_plan_add"), {
        "number": 2, "insured_monthly_earnings": "1700.00", "monthly_contribution": "21.00",
        "effective_from": "2031-01-01", "effective_to": "",
    })
    assert response.status_code == 200
    body = response.content.decode()
    old = Plan.objects.get(number=2).effective_from.strftime("%d-%m-%Y")
    assert f"Plan 2 already has a rate in force from {old} to no end date." in body
    assert Plan.objects.filter(number=2).count() == 1
    # End-dated first, the same rate is accepted.
    end_date_plan_2(date(2030, 12, 31))
    response = client.post(reverse("admin:reference_plan_add"), {
        "number": 2, "insured_monthly_earnings": "1700.00", "monthly_contribution": "21.00",
        "effective_from": "2031-01-01", "effective_to": "",
    })
    assert response.status_code == 302
    assert Plan.objects.filter(number=2).count() == 2


def test_registration_and_renewal_pages_offer_only_the_rate_in_force(user, user_client, time_machine):
    end_date_plan_2(date(2030, 12, 31))
    rate(start=date(2031, 1, 1), monthly="21.00")  # RM 252.00 a year
    time_machine.move_to("2031-02-01 10:00:00+08:00")
    user_client.force_login(user)  # a fresh session at the moved clock
    body = user_client.get("/self-employed/register/agent/").content.decode()
    assert "RM 252.00" in body and "RM 232.80" not in body

    registration = registration_make(person=person_make(user=user), sector="art")
    first = contribution_make(registration=registration, plan_number=1, months=1,
                              created_at=kl_datetime(2029, 1, 1))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2029, 1, 1, 9))
    body = user_client.get(reverse("contributions:renew_sector", args=[registration.pk])).content.decode()
    assert "RM 252.00" in body and "RM 232.80" not in body
    assert body.count("RM 157.20") == 1
