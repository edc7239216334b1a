"""Audit (issue 4): a sector already registered cannot be forced by a crafted POST to its form or its check page,
also when the draft was made before the sector got registered (another tab submitted it)."""

import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.registrations.models import Registration
from tests.factories import contribution_make, person_make, registration_make
from tests.registrations.helpers import form_data, form_files

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = "/self-employed/register/information-technology/check/"


def test_crafted_posts_for_a_registered_sector_change_nothing(user, user_client):
    registration = registration_make(person=person_make(user=user), sector="information-technology")
    contribution_make(registration=registration)
    response = user_client.post(FORM_URL, {**form_data(), **form_files()})
    assert response.status_code == 302 and response["Location"] == reverse("registrations:register")
    response = user_client.post(CHECK_URL, follow=True)
    assert response.status_code == 200
    assert Registration.objects.count() == 1 and Contribution.objects.count() == 1


def test_a_draft_made_before_another_tab_registered_the_sector_is_refused(user, user_client):
    person = person_make(user=user)
    assert user_client.post(FORM_URL, {**form_data(), **form_files()})["Location"] == CHECK_URL
    other_tab = contribution_make(registration=registration_make(person=person, sector="information-technology"))
    response = user_client.post(CHECK_URL)
    # Nothing new: the person is taken on to the registration already stored (as after a double Submit & Pay).
    assert response["Location"] == reverse("payments:pay_now", args=[other_tab.pk])
    assert Registration.objects.count() == 1 and Contribution.objects.get() == other_tab
