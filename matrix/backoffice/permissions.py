"""Who may open a back-office page.

`staff_required(role)` wraps a view: anonymous people are sent to the staff sign-in; a contributor, an inactive
staff member, a session without a verified TOTP code, or a staff member below `role` gets the 403 page. Every
refusal by a signed-in account writes an audit row; an anonymous visitor's is only logged (matrix.security),
so that strangers cannot grow the append-only audit table. The wrapped view carries `required_role`, which
tests/backoffice/test_permissions.py reads to walk every /staff/ URL."""

import logging
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save
from django.shortcuts import render
from django.urls import reverse

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import Role, StaffMember

ACCESS_REFUSED = "access.refused"

logger = logging.getLogger("matrix.security")

# Every staff page needs the signed-in user's staff row (role, active). It changes only when an account is
# created or deactivated, so its few fields are kept in the shared cache (issue 13: one query less per page), and
# every save or delete of a row forgets them, at once and again at commit. Deactivating also deactivates the user,
# which authentication refuses on the next request whatever is kept here; the timeout bounds any other change.
MEMBER_FIELDS = ("id", "user_id", "username", "role", "is_active")
MEMBER_CACHE_SECONDS = 60
_USER_RELATION = StaffMember._meta.get_field("user")


def _member_key(user_id) -> str:
    return f"backoffice:staff-member:{user_id}"


def staff_member_forget(*, sender=None, instance: StaffMember, **kwargs) -> None:
    key = _member_key(instance.user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


post_save.connect(staff_member_forget, sender=StaffMember, dispatch_uid="matrix.backoffice.staff_member_forget")
post_delete.connect(staff_member_forget, sender=StaffMember, dispatch_uid="matrix.backoffice.staff_member_forget.d")


def staff_member_of(user) -> StaffMember | None:
    """The user's staff row (without created_at, created_by and deactivated_at, read if asked for), or None."""
    if not user.is_authenticated or not user.is_staff:
        return None
    if _USER_RELATION.remote_field.is_cached(user):  # loaded with the user, or earlier in this request
        return getattr(user, "staff_member", None)
    key = _member_key(user.pk)
    values = cache.get(key)
    if values is None:
        values = StaffMember.objects.filter(user_id=user.pk).values_list(*MEMBER_FIELDS).first() or ()
        cache.set(key, values, MEMBER_CACHE_SECONDS)
    if not values:
        _USER_RELATION.remote_field.set_cached_value(user, None)
        return None
    member = StaffMember.from_db(DEFAULT_DB_ALIAS, MEMBER_FIELDS, values)
    _USER_RELATION.set_cached_value(member, user)  # member.user is this very user
    _USER_RELATION.remote_field.set_cached_value(user, member)  # user.staff_member, as the audit rows read it
    return member


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
            request.staff = staff_member_of(request.user)
            return view(request, *args, **kwargs)

        wrapped.required_role = role
        return wrapped

    return decorator
