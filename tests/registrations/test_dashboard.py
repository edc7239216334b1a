import pytest
from django.urls import reverse

from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def test_the_dashboard_shows_each_sectors_cover_and_what_to_do_next(user, user_client, time_machine):
    time_machine.move_to("2020-03-01 10:00:00+08:00")
    person = person_make(user=user)
    active = contribution_make(registration=registration_make(person=person, sector="agent"), months=3,
                               created_at=kl_datetime(2020, 1, 10))
    contribution_mark_paid(contribution=active, paid_at=kl_datetime(2020, 1, 10, 9))
    expired = contribution_make(registration=registration_make(person=person, sector="art"), months=1,
                                created_at=kl_datetime(2020, 1, 2))
    contribution_mark_paid(contribution=expired, paid_at=kl_datetime(2020, 1, 2, 9))
    unpaid = contribution_make(registration=registration_make(person=person, sector="food"))
    contribution_make(registration=registration_make(person=person, sector="hawker"), state="REJECTED")

    body = user_client.get(reverse("registrations:dashboard")).content.decode()
    agent = body.split('data-sector="agent"')[1].split("</li>")[0]
    assert "09-04-2020 23:59:59" in agent and "39 days" in agent and "Coverage period is active." in agent
    assert reverse("contributions:renew_sector", args=[active.registration_id]) in agent
    art = body.split('data-sector="art"')[1].split("</li>")[0]
    assert "Coverage period expired. Please renew." in art and "Renew Now" in art
    food = body.split('data-sector="food"')[1].split("</li>")[0]
    assert "Pay Now" in food and reverse("contributions:detail", args=[unpaid.pk]) in food
    hawker = body.split('data-sector="hawker"')[1].split("</li>")[0]
    assert "Contribution is cancelled." in hawker


def test_the_dashboard_without_registrations_invites_to_register(user_client):
    body = user_client.get(reverse("registrations:dashboard")).content.decode()
    assert "You have not registered any sector yet." in body
