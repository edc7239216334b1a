"""The Django admin opens for a superuser once a second factor is verified (tests/backoffice/otp.py), not before."""

import pytest
from django.urls import reverse

from matrix.accounts.models import User
from tests.backoffice.otp import otp_verified

pytestmark = pytest.mark.django_db


def test_a_superuser_made_by_createsuperuser_needs_the_second_factor(client):
    admin_user = User.objects.create_superuser("800101145555", "a-strong-admin-password")
    client.force_login(admin_user)
    assert client.get(reverse("admin:reference_sector_changelist")).status_code == 302
    otp_verified(client, admin_user)
    assert client.get(reverse("admin:reference_sector_changelist")).status_code == 200
