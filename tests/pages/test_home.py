"""Home: for a visitor, the scheme, MATRIX, who must register (with the fines), the plans in force and how to
start; for a signed-in person, no LOG IN card but their cover at a glance and the next step."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from matrix.pages.selectors import NextStep, home_cover
from matrix.reference.models import Plan
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def _paid(registration, start, months, **fields):
    return contribution_make(registration=registration, months=months, state=Contribution.State.PAID,
                             start_at=start, end_at=coverage_end(start=start, months=months), paid_at=start, **fields)


def test_a_visitor_sees_the_scheme_who_must_register_the_plans_and_the_calls(client):
    body = client.get(reverse("pages:home")).content.decode()
    assert "What is the Self-Employment Social Security Scheme?" in body
    assert "What is MATRIX Self-Employment Social Security Scheme Portal?" in body
    for sector in ("PASSENGER TRANSPORTATION", "GOODS AND FOODS TRANSPORT", "HAWKER"):
        assert f"<li>{sector}</li>" in body
    assert "a fine of up to RM10,000, imprisonment of up to two years, or both" in body
    assert "RM 13.10" in body and "RM 157.20" in body and "RM 49.40" in body and "RM 592.80" in body
    assert "data-home-login" in body and "New to the site? Create MATRIX account" in body
    assert reverse("accounts:signup") in body and reverse("pages:coverage_check") in body
    assert reverse("pages:contact") in body and reverse("pages:faq") in body


def test_the_plans_shown_are_those_in_force_in_the_database(client):
    Plan.objects.filter(number=1).update(monthly_contribution=Decimal("14.00"))
    body = client.get(reverse("pages:home")).content.decode()
    assert "RM 14.00" in body and "RM 168.00" in body and "RM 13.10" not in body
    assert "and diseases at work, from RM 14.00 a month." in body


def test_a_visitor_in_malay(client):
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    body = client.get(reverse("pages:home")).content.decode()
    assert "Siapa yang wajib mendaftar?" in body and "<li>Penjaja</li>" in body
    assert "denda sehingga RM10,000" in body and "Pelan 4" in body
    assert "semasa bekerja, dari RM 13.10 sebulan." in body


def test_a_signed_in_person_sees_their_cover_and_no_login_card(client, user):
    person = person_make(user=user)
    now = timezone.now()
    active = registration_make(person=person, sector="hawker")
    _paid(active, now - timedelta(days=10), 3)
    ended = registration_make(person=person, sector="fishery")
    _paid(ended, now - timedelta(days=200), 1)
    client.force_login(user)
    body = client.get(reverse("pages:home")).content.decode()
    assert "data-home-login" not in body and "New to the site?" not in body
    assert 'data-sector="hawker" data-cover-state="active"' in body
    assert 'data-sector="fishery" data-cover-state="expired"' in body
    assert 'data-next-step="renew"' in body
    assert reverse("contributions:renew_sector", args=[ended.pk]) in body
    assert reverse("registrations:dashboard") in body and reverse("contributions:history") in body


class TestNextStep:
    def test_register_first(self, user):
        person_make(user=user)
        assert home_cover(user=user).next_step == NextStep.REGISTER

    def test_pay_before_anything_else(self, user):
        person = person_make(user=user)
        registration_make(person=person, sector="fishery")
        _paid(registration_make(person=person, sector="agent"), timezone.now() - timedelta(days=200), 1)
        unpaid = contribution_make(registration=registration_make(person=person, sector="hawker"))
        shown = home_cover(user=user)
        assert shown.next_step == NextStep.PAY and shown.next_cover.unpaid == unpaid

    def test_renew_soon_names_the_sector_ending_first(self, user):
        person = person_make(user=user)
        now = timezone.now()
        _paid(registration_make(person=person, sector="hawker"), now - timedelta(days=70), 3)
        later = registration_make(person=person, sector="fishery")
        _paid(later, now - timedelta(days=80), 3)
        _paid(registration_make(person=person, sector="agent"), now - timedelta(days=1), 6)
        shown = home_cover(user=user)
        assert shown.next_step == NextStep.RENEW_SOON and shown.next_cover.registration == later

    def test_nothing_to_do_while_covered_for_a_month_or_more(self, user):
        person = person_make(user=user)
        _paid(registration_make(person=person, sector="hawker"), timezone.now() - timedelta(days=1), 6)
        assert home_cover(user=user).next_step == NextStep.NONE


def test_home_and_benefits_answer_head_requests_and_refuse_posts(client):
    assert client.head(reverse("pages:home")).status_code == 200
    assert client.head(reverse("pages:benefits")).status_code == 200
    assert client.post(reverse("pages:home")).status_code == 405
