"""Staff sign-in: username + password, then a TOTP code (or, the first time, enrolment of an authenticator app).

Nobody is signed in until the code is right: the password step only leaves a short-lived "pending" mark in the
session (with a new session key). Then `login` and `django_otp.login` run together, so every signed-in staff
session is verified (request.user.is_verified()). The public views carry `public = True` for the permission test."""

import time

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_ratelimit.core import is_ratelimited

from matrix.accounts.middleware import SESSION_KEY as LAST_ACTIVITY_KEY
from matrix.backoffice import forms, services
from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import StaffMember
from matrix.backoffice.permissions import staff_member_of
from matrix.backoffice.totp_display import totp_display

PENDING = "backoffice.pending"
NEXT = "backoffice.next"
PENDING_SECONDS = 5 * 60


def _rate(request: HttpRequest) -> bool:
    rate = getattr(settings, "BACKOFFICE_SIGNIN_PER_IP", "60/h")
    return is_ratelimited(request, group="backoffice.signin", key="ip", rate=rate, method="POST", increment=True)


def _public(view):
    view.public = True
    return view


def _pending_member(request: HttpRequest) -> StaffMember | None:
    pending = request.session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return StaffMember.objects.select_related("user").filter(pk=pending.get("member"), is_active=True).first()


def _complete(request: HttpRequest, member: StaffMember, device) -> HttpResponse:
    target = request.session.get(NEXT) or ""
    login(request, member.user, backend="django.contrib.auth.backends.ModelBackend")  # new session key
    otp_login(request, device)
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    request.session.pop(PENDING, None)
    audit_record(request=request, actor=member.user, action="staff.signin", target=member)
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("backoffice:home")


@_public
@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    """SOCSO CMS Sign-in, step 1: username and password."""
    member = staff_member_of(request.user)
    if member is not None and member.is_active and request.user.is_verified():
        return redirect("backoffice:home")
    form = forms.SigninForm(request.POST or None)
    if request.method == "POST":
        if _rate(request):
            form.is_valid()
            form.add_error(None, _("Too many requests have come from your network. Please try again in an hour."))
        elif form.is_valid():
            member = services.staff_signin_check(
                request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"],
            )
            if getattr(request, "axes_locked_out", False):
                # django-axes locked this username + IP pair: answer with the staff page, not the contributors'.
                del request.axes_locked_out
                return render(request, "backoffice/locked_out.html", status=429)
            if member is not None:
                next_url = request.GET.get("next", "")
                request.session.cycle_key()
                request.session[PENDING] = {"member": member.pk, "at": int(time.time())}
                request.session[NEXT] = next_url
                if services.staff_confirmed_device(member=member) is None:
                    return redirect("backoffice:signin_enrol")
                return redirect("backoffice:signin_totp")
            form.add_error(None, _("The username or password is not correct."))
    return render(request, "backoffice/signin.html", {"form": form})


@_public
@never_cache
@require_http_methods(["GET", "POST"])
def signin_totp(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the authenticator app."""
    member = _pending_member(request)
    if member is None:
        return redirect("backoffice:login")
    if services.staff_confirmed_device(member=member) is None:
        return redirect("backoffice:signin_enrol")
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate(request):
            form.add_error(None, _("Too many requests have come from your network. Please try again in an hour."))
        else:
            device = services.staff_totp_verify(request=request, member=member, token=form.cleaned_data["token"])
            if device is not None:
                return _complete(request, member, device)
            form.add_error("token", _("The code is not correct. Enter the code your app shows now."))
    return render(request, "backoffice/signin_totp.html", {"form": form})


@_public
@never_cache
@require_http_methods(["GET", "POST"])
def signin_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in: set up the authenticator app (QR code or the secret typed in), confirmed by a first code."""
    member = _pending_member(request)
    if member is None:
        return redirect("backoffice:login")
    if services.staff_confirmed_device(member=member) is not None:
        return redirect("backoffice:signin_totp")
    device = services.staff_totp_device_for_enrolment(member=member)
    form = forms.TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _rate(request):
            form.add_error(None, _("Too many requests have come from your network. Please try again in an hour."))
        elif services.staff_totp_confirm(request=request, member=member, device=device,
                                         token=form.cleaned_data["token"]):
            return _complete(request, member, device)
        else:
            form.add_error("token", _("The code is not correct. Enter the code your app shows now."))
    return render(request, "backoffice/signin_enrol.html", {
        "form": form, "totp": totp_display(device=device, username=member.username),
    })


@_public
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        audit_record(request=request, action="staff.signout")
    logout(request)
    return redirect("backoffice:login")
