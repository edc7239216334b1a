"""Staff accounts: created by an Administrator (or `manage.py staff_create` for the first one), deactivated, never
deleted (audit rows point at them)."""

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import STAFF_ID_PREFIX, Role, StaffMember

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")


class StaffError(Exception):
    pass


def staff_username_normalise(username: str) -> str:
    return (username or "").strip().lower()


@transaction.atomic
def staff_create(
    *, username: str, full_name: str, role: str, password: str, email: str = "", created_by=None,
    superuser: bool = False, request=None,
) -> StaffMember:
    username = staff_username_normalise(username)
    if not USERNAME_RE.match(username):
        raise StaffError(_("A username has 3 to 50 characters: lower-case letters, digits, dot, dash or underscore."))
    if role not in Role.values:
        raise StaffError(_("Choose a role."))
    if StaffMember.objects.filter(username=username).exists():
        raise StaffError(_("This username is already taken."))
    user_model = get_user_model()
    user = user_model(
        id_number=f"{STAFF_ID_PREFIX}{username}", full_name=full_name or username, email=email, is_staff=True,
        is_superuser=superuser, is_active=True, activated_at=timezone.now(),
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    member = StaffMember.objects.create(user=user, username=username, role=role, created_by=created_by)
    audit_record(
        request=request, actor=created_by, action="staff.create", target=member,
        details={"username": username, "role": role, "superuser": superuser},
    )
    return member


@transaction.atomic
def staff_deactivate(*, member: StaffMember, by, request=None) -> StaffMember:
    """Deactivate a staff member: the account can no longer sign in, and open sessions are refused at once
    (staff_required checks the flag on every request)."""
    member = StaffMember.objects.select_for_update().select_related("user").get(pk=member.pk)
    if member.user_id == getattr(by, "pk", None):
        raise StaffError(_("You cannot deactivate your own account."))
    if not member.is_active:
        return member
    member.is_active = False
    member.deactivated_at = timezone.now()
    member.save(update_fields=["is_active", "deactivated_at"])
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    audit_record(request=request, actor=by, action="staff.deactivate", target=member,
                 details={"username": member.username})
    return member
