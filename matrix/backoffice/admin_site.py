"""The Django admin stays for superusers, behind the same second factor as the back office.

The default site is not replaced (every app registers its models on it): its permission check is tightened to
superusers verified by django-otp, and its login page sends people to the staff sign-in (username, password,
TOTP), which then brings them back."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


def _has_permission(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_superuser and getattr(user, "is_verified", lambda: False)())


def _login(request, extra_context=None):
    return redirect_to_login(request.get_full_path(), reverse("backoffice:login"))


def admin_site_secure(site: admin.AdminSite = admin.site) -> None:
    site.has_permission = _has_permission
    site.login = _login
