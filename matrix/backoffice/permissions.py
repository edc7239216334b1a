"""Who may open a back-office page.

`staff_required(role)` wraps a view: anonymous people are sent to the staff sign-in; a contributor, an inactive
staff member, a session without a verified TOTP code, or a staff member below `role` gets the 403 page. Every
refusal by a signed-in account writes an audit row; an anonymous visitor's is only logged (matrix.security),
so that strangers cannot grow the append-only audit table. The wrapped view carries `required_role`, which
tests/backoffice/test_permissions.py reads to walk every /staff/ URL."""

import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import reverse

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import Role, StaffMember

ACCESS_REFUSED = "access.refused"

logger = logging.getLogger("matrix.security")


def staff_member_of(user) -> StaffMember | None:
    if not user.is_authenticated or not user.is_staff:
        return None
    try:
        return user.staff_member
    except StaffMember.DoesNotExist:
        return None


def _refusal_reason(request, role: str) -> str | None:
    user = request.user
    member = staff_member_of(user)
    if member is None:
        return "not_staff"
    if not member.is_active:
        return "inactive"
    if not user.is_verified():
        return "second_factor_missing"
    if not member.has_role(role):
        return "role_too_low"
    return None


def staff_required(role: str = Role.OFFICER):
    role = Role(role)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            details = {"required_role": role.value, "view": view.__name__}
            if not request.user.is_authenticated:
                logger.info("staff page refused to an anonymous visitor", extra={**details, "path": request.path})
                return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))
            reason = _refusal_reason(request, role)
            if reason is not None:
                audit_record(request=request, action=ACCESS_REFUSED, details={**details, "reason": reason})
                return render(request, "backoffice/forbidden.html", status=403)
            request.staff = request.user.staff_member
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator
