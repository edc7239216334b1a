"""A person can never open, download or renew another person's registration, contribution or document."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from matrix.reference.models import Plan
from matrix.registrations.models import Document
from tests.factories import contribution_make, person_make, registration_make, user_make
from tests.registrations.helpers import png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(user):
    registration = registration_make(person=person_make(user=user), sector="agent")
    document = Document(registration=registration, kind="IDENTIFICATION_CARD", original_name="ic.png",
                        content_type="image/png", size=len(png_bytes()))
    document.file.save("upload", ContentFile(png_bytes()), save=False)
    document.save()
    first = contribution_make(registration=registration, created_at=kl_datetime(2020, 1, 10))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9))
    renewal = contribution_make(registration=registration, kind="RENEWAL")
    return {"registration": registration, "document": document, "first": first, "renewal": renewal}


def owner_urls(owned):
    plan = Plan.objects.get(number=2).pk
    return [
        ("get", reverse("registrations:document_download", args=[owned["document"].pk]), None),
        ("get", reverse("contributions:detail", args=[owned["first"].pk]), None),
        ("get", reverse("contributions:detail", args=[owned["renewal"].pk]), None),
        ("get", reverse("contributions:renew_sector", args=[owned["registration"].pk]), None),
        ("post", reverse("contributions:renew_sector", args=[owned["registration"].pk]),
         {"step": "check", "plan": plan, "months": 1}),
        ("post", reverse("contributions:renew_sector", args=[owned["registration"].pk]),
         {"step": "confirm", "plan": plan, "months": 1}),
    ]


def test_the_owner_can_open_every_url(owned, user_client):
    for method, url, data in owner_urls(owned)[:3]:
        assert getattr(user_client, method)(url, data).status_code == 200, url


def test_another_person_gets_404_everywhere(owned, other_user, client):
    person_make(user=other_user)
    client.force_login(other_user)
    before = Contribution.objects.count()
    for method, url, data in owner_urls(owned):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, url
    assert Contribution.objects.count() == before
    # Nor through the renewal chooser.
    response = client.post(reverse("contributions:renew"), {"registration": owned["registration"].pk})
    assert response.status_code == 200 and "Select the sector to renew." in response.content.decode()
    # Their own history does not list the owner's rows.
    body = client.get(reverse("contributions:history")).content.decode()
    assert f'data-contribution="{owned["first"].pk}"' not in body


def test_staff_need_the_permission_to_download_a_document(owned, client):
    staff = user_make(is_staff=True)
    client.force_login(staff)
    url = reverse("registrations:document_download", args=[owned["document"].pk])
    assert client.get(url).status_code == 404
    permission = Permission.objects.get(codename="view_document", content_type__app_label="registrations")
    staff.user_permissions.add(permission)
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == png_bytes()
