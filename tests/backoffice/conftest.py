"""Back-office fixtures: staff members of each role with a confirmed TOTP device, and signed-in clients."""

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from matrix.backoffice.models import Role
from matrix.backoffice.services import staff_create

PASSWORD = "staff-pass-2026-long"


def make_staff(username: str, role: str, *, enrolled: bool = True, superuser: bool = False):
    member = staff_create(username=username, full_name=username.title(), role=role, password=PASSWORD,
                          superuser=superuser)
    if enrolled:
        TOTPDevice.objects.create(user=member.user, name="test", confirmed=True)
    return member


def current_code(member) -> str:
    device = TOTPDevice.objects.filter(user=member.user, confirmed=True).first() or TOTPDevice.objects.filter(
        user=member.user).first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def staff_client(member, client: Client | None = None) -> Client:
    """A client signed in as `member` with a verified second factor (as after the TOTP step)."""
    client = client or Client()
    client.force_login(member.user)
    device = TOTPDevice.objects.filter(user=member.user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def officer(db):
    return make_staff("officer1", Role.OFFICER)


@pytest.fixture
def supervisor(db):
    return make_staff("supervisor1", Role.SUPERVISOR)


@pytest.fixture
def administrator(db):
    return make_staff("admin1", Role.ADMINISTRATOR)


@pytest.fixture
def staff_members(officer, supervisor, administrator):
    return {Role.OFFICER: officer, Role.SUPERVISOR: supervisor, Role.ADMINISTRATOR: administrator}
