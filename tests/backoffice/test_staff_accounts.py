"""Staff accounts: the first Administrator from `manage.py staff_create`; Administrators create staff with a
role and deactivate them; each change is audited."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from matrix.backoffice.models import STAFF_ID_PREFIX, AuditEvent, Role, StaffMember
from matrix.backoffice.services import StaffError, staff_create
from tests.backoffice.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_staff_create_command_makes_the_first_administrator(monkeypatch):
    monkeypatch.setenv("FIRST_ADMIN_PASSWORD", "a-long-enough-password")
    call_command("staff_create", "--username", "Chief", "--role", "ADMINISTRATOR", "--password-env",
                 "FIRST_ADMIN_PASSWORD")
    member = StaffMember.objects.select_related("user").get(username="chief")
    assert member.role == Role.ADMINISTRATOR and member.is_active
    assert member.user.is_staff and member.user.is_active and not member.user.is_superuser
    assert member.user.id_number == f"{STAFF_ID_PREFIX}chief"
    assert member.user.check_password("a-long-enough-password")
    assert AuditEvent.objects.filter(action="staff.create", target_id=str(member.pk)).exists()


def test_staff_create_command_reads_the_password_from_a_prompt(monkeypatch):
    answers = iter(["prompted-password-1", "prompted-password-1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("staff_create", "--username", "root", "--role", "ADMINISTRATOR", "--superuser")
    assert StaffMember.objects.get(username="root").user.is_superuser


def test_staff_create_command_refuses_a_common_password(monkeypatch):
    monkeypatch.setenv("WEAK", "password")
    with pytest.raises(CommandError):
        call_command("staff_create", "--username", "weak", "--role", "OFFICER", "--password-env", "WEAK")
    assert not StaffMember.objects.exists()


def test_usernames_are_unique_and_well_formed(officer):
    with pytest.raises(StaffError):
        staff_create(username="OFFICER1", full_name="x", role=Role.OFFICER, password="another-long-password")
    with pytest.raises(StaffError):
        staff_create(username="a b", full_name="x", role=Role.OFFICER, password="another-long-password")


def test_an_administrator_creates_a_supervisor(administrator):
    client = staff_client(administrator)
    response = client.post(reverse("backoffice:staff_list"), {
        "username": "sup2", "full_name": "Sara", "email": "", "role": "SUPERVISOR",
        "password": "supervisor-password-2026",
    })
    assert response["Location"] == reverse("backoffice:staff_list")
    member = StaffMember.objects.get(username="sup2")
    assert member.role == Role.SUPERVISOR and member.created_by == administrator.user
    event = AuditEvent.objects.get(action="staff.create", target_id=str(member.pk))
    assert event.actor == administrator.user and event.ip_address == "127.0.0.1"
    assert "sup2" in client.get(reverse("backoffice:staff_list")).content.decode()


def test_an_administrator_deactivates_an_officer_and_the_officer_is_out(administrator, officer):
    officer_client = staff_client(officer)
    response = staff_client(administrator).post(reverse("backoffice:staff_deactivate", args=[officer.pk]))
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_active and officer.deactivated_at is not None
    assert AuditEvent.objects.filter(action="staff.deactivate", target_id=str(officer.pk)).exists()
    assert officer_client.get(reverse("backoffice:home")).status_code in (302, 403)


def test_an_administrator_cannot_deactivate_themselves(administrator):
    client = staff_client(administrator)
    client.post(reverse("backoffice:staff_deactivate", args=[administrator.pk]))
    administrator.refresh_from_db()
    assert administrator.is_active


def test_the_longest_username_fits_the_account_row():
    """A username may have 50 characters; the account row keeps "staff:<username>" whole (PostgreSQL enforces
    the column's length, which SQLite does not)."""
    from tests.backoffice.conftest import make_staff

    member = make_staff("a" * 50, Role.OFFICER)
    member.user.refresh_from_db()
    assert member.user.id_number == "staff:" + "a" * 50
