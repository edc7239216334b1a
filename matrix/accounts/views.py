"""Accounts pages. Thin: parse the form, call a service or selector, render or redirect.

Secrets in URLs (email links) are moved into the session at once and the browser is sent on to a URL without
them, so they do not linger in the address bar, the history or a Referer header; a bad link answers 200 with an
explanation (a 4xx would make Django's request logger write the URL, token included)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage, is_ratelimited

from matrix.accounts import background, forms, login_guard, selectors, services, tasks
from matrix.accounts.conf import conf
from matrix.accounts.errors import AccountError, LinkInvalid, LinkLimited, OtpLimited, OtpRefused
from matrix.accounts.masking import mask_mobile
from matrix.accounts.middleware import SESSION_KEY as LAST_ACTIVITY_KEY
from matrix.accounts.models import LinkPurpose, OtpPurpose, User

SIGNUP = "accounts.signup"  # {"id_number", "mobile", "sent_at"}: the sign-up in progress, whoever the IC is
NEXT_URL = "accounts.next"
LOGIN_IC = "accounts.login_ic"
LOGIN_STEP_UP_USER = "accounts.login_step_up_user"
RESET_CODE_IC = "accounts.reset_code_ic"
LINK_TOKENS = {
    LinkPurpose.ACTIVATE: "accounts.activation_token_hash",
    LinkPurpose.RESET: "accounts.reset_token_hash",
    LinkPurpose.CHANGE_EMAIL: "accounts.email_token_hash",
}


def _ip_limited(request: HttpRequest, group: str, rate_setting: str) -> bool:
    """Count one send from this IP address in `group`; True once over the hourly rate."""
    return is_ratelimited(request, group=group, key="ip", rate=conf(rate_setting), method="POST", increment=True)


def _too_many_from_here() -> str:
    return _("Too many requests have come from your network. Please try again in an hour.")


def _cooldown_left(sent_at: float | None) -> int:
    """Seconds until "Resend" may send again, from the time kept in the session (the same for every IC)."""
    if not sent_at:
        return 0
    return max(0, int(sent_at + conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS") - time.time() + 0.999))


# --- sign-up ---------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:mode")
    if request.method == "POST" and "captcha_refresh" in request.POST:
        # "Get a new image": show the form again as typed, with a new CAPTCHA and no errors.
        fields = ("id_type", "id_number", "full_name", "email", "mobile")
        initial = {name: request.POST.get(name, "") for name in fields}
        initial["terms"] = bool(request.POST.get("terms"))
        return render(request, "accounts/signup.html", {"form": forms.SignupForm(initial=initial)})
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The per-address limit comes first; then the same answer for every IC number, with or without an
        # account: the look-up, the account row and the SMS (or, for an IC that has an account, an email to its
        # owner) happen in a task after the response (matrix/accounts/background.py).
        if _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
            form.add_error(None, _too_many_from_here())
        else:
            data = form.cleaned_data
            background.after_commit(
                tasks.signup_request, id_type=data["id_type"], id_number=data["id_number"],
                full_name=data["full_name"], email=data["email"], mobile=data["mobile"],
            )
            request.session[SIGNUP] = {"id_number": data["id_number"], "mobile": data["mobile"], "sent_at": time.time()}
            return redirect("accounts:signup_verify")
    return render(request, "accounts/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest) -> HttpResponse:
    """Sign Up - OTP Verification. The page, and every refusal of a code, is the same whether the IC number's
    sign-up is real, has an account already, or could not send a code (a limit): one message for all."""
    signup_state = request.session.get(SIGNUP)
    if not signup_state:
        messages.info(request, _("Please fill in the sign-up form first."))
        return redirect("accounts:signup")
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = selectors.user_signup_pending_get(id_number=signup_state["id_number"], mobile=signup_state["mobile"])
        try:
            if user is None:
                raise OtpRefused(code="none")
            services.account_signup_confirm(user=user, code=form.cleaned_data["code"])
        except OtpRefused:
            form.add_error("code", services.RESET_CODE_REFUSED)
        except LinkInvalid as error:
            form.add_error("code", error.message)
        else:
            request.session.pop(SIGNUP, None)
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup_verify.html", {
        "form": form,
        "mobile_masked": mask_mobile(signup_state["mobile"]),
        "resend_url": reverse("accounts:signup_resend"),
        "cooldown": conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS"),
    })


@require_POST
def signup_resend(request: HttpRequest) -> HttpResponse:
    """"Resend": the cooldown is counted from the session, and the new code is asked for after the response, so
    the answer does not depend on the IC number either."""
    signup_state = request.session.get(SIGNUP)
    if not signup_state:
        return redirect("accounts:signup")
    wait = _cooldown_left(signup_state.get("sent_at"))
    if wait:
        messages.error(request, ngettext(
            "A code was sent a moment ago. Please wait %(n)d second before asking for a new one.",
            "A code was sent a moment ago. Please wait %(n)d seconds before asking for a new one.",
            wait,
        ) % {"n": wait})
    elif _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
        messages.error(request, _too_many_from_here())
    else:
        background.after_commit(
            tasks.signup_code_resend, id_number=signup_state["id_number"], mobile=signup_state["mobile"]
        )
        request.session[SIGNUP] = {**signup_state, "sent_at": time.time()}
        messages.success(request, _("A new code has been sent to %(mobile)s.")
                         % {"mobile": mask_mobile(signup_state["mobile"])})
    return redirect("accounts:signup_verify")


def _otp_resend(request: HttpRequest, *, user: User, purpose: str, sent_to: str) -> None:
    if _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
        messages.error(request, _too_many_from_here())
        return
    try:
        services.otp_issue(user=user, purpose=purpose, sent_to=sent_to)
    except OtpLimited as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("A new code has been sent to %(mobile)s.") % {"mobile": mask_mobile(sent_to)})


def signup_done(request: HttpRequest) -> HttpResponse:
    """Sign Up Successful."""
    return render(request, "accounts/signup_done.html")


# --- email links: activation ----------------------------------------------------------------------------------------


def _link_enter(request: HttpRequest, *, token: str, purpose: str, next_url: str) -> HttpResponse:
    """Check an emailed link, keep its token's hash in the session (the session store never holds the token
    itself) and go on to `next_url` (without the token).

    Whatever the answer, the page at the token's URL sends no Referer (its static files and links would
    otherwise carry the URL, token included, to logs) and is not cached."""
    token_hash = selectors.email_link_token_hash(token)
    try:
        if _link_guesses_spent(request):
            raise LinkInvalid(_too_many_from_here(), code="guesses")
        try:
            selectors.email_link_get(token_hash=token_hash, purpose=purpose)
        except LinkInvalid as error:
            if error.code == "unknown":
                _link_guess_count(request)
            raise
    except LinkInvalid as error:
        response = _link_invalid(request, error=error, purpose=purpose)
    else:
        request.session[LINK_TOKENS[purpose]] = token_hash
        response = redirect(next_url)
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


def _link_guesses_spent(request: HttpRequest) -> bool:
    """Links opened with a token that matches none are counted per address; past ACCOUNTS_LINK_GUESSES_PER_IP_
    PER_HOUR no token from that address is even looked at for the rest of the hour."""
    rate = conf("ACCOUNTS_LINK_GUESSES_PER_IP_PER_HOUR")
    usage = get_usage(request, group="accounts:link-guess", key="ip", rate=rate, method=ALL, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def _link_guess_count(request: HttpRequest) -> None:
    rate = conf("ACCOUNTS_LINK_GUESSES_PER_IP_PER_HOUR")
    is_ratelimited(request, group="accounts:link-guess", key="ip", rate=rate, method=ALL, increment=True)


def _link_invalid(request: HttpRequest, *, error: AccountError, purpose: str) -> HttpResponse:
    request.session.pop(LINK_TOKENS[purpose], None)
    return render(request, "accounts/link_invalid.html", {"error": error.message, "purpose": purpose})


def _link_in_session(request: HttpRequest, *, purpose: str):
    """The token hash that `_link_enter` put in the session, and its email link (LinkInvalid when it can't be
    used)."""
    token_hash = request.session.get(LINK_TOKENS[purpose], "")
    return token_hash, selectors.email_link_get(token_hash=token_hash, purpose=purpose)


def activate_link(request: HttpRequest, token: str) -> HttpResponse:
    return _link_enter(request, token=token, purpose=LinkPurpose.ACTIVATE, next_url=reverse("accounts:activate"))


@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Account Activation: details read-only; Secret Phrase, Password, Password Confirm; Next -> Log In."""
    try:
        token_hash, link = _link_in_session(request, purpose=LinkPurpose.ACTIVATE)
    except LinkInvalid as error:
        return _link_invalid(request, error=error, purpose=LinkPurpose.ACTIVATE)
    form = forms.ActivationForm(request.POST or None, user=link.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_activate(
                token_hash=token_hash, secret_phrase=form.cleaned_data["secret_phrase"],
                password=form.cleaned_data["password1"],
            )
        except LinkInvalid as error:
            return _link_invalid(request, error=error, purpose=LinkPurpose.ACTIVATE)
        request.session.pop(LINK_TOKENS[LinkPurpose.ACTIVATE], None)
        messages.success(request, _("Success! You have joined the MATRIX."))
        return redirect("accounts:login")
    return render(request, "accounts/activate.html", {"form": form, "account": link.user})


@require_http_methods(["GET", "POST"])
def activation_resend(request: HttpRequest) -> HttpResponse:
    """Ask for a new activation link by IC number. The answer is the same whether or not it was sent."""
    form = forms.ActivationResendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _ip_limited(request, "accounts:links", "ACCOUNTS_LINKS_PER_IP_PER_HOUR"):
            background.after_commit(tasks.activation_link_request, id_number=form.cleaned_data["id_number"])
        return render(request, "accounts/email_sent.html", {
            "title": _("Check your email"),
            "text": _("If this IC number has signed up and verified its mobile number, a new activation link has "
                      "been sent to its email. The link works once and expires in %(hours)d hours.")
            % {"hours": conf("ACCOUNTS_ACTIVATION_LINK_HOURS")},
        })
    return render(request, "accounts/activation_resend.html", {"form": form})


# --- login -----------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Log In, step 1: the IC number. The session key changes here (and again at the password step)."""
    if request.user.is_authenticated:
        return redirect("accounts:mode")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not _url_is_safe(request, next_url):
        next_url = ""
    form = forms.LoginIcForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _ip_limited(
        request, "accounts:ic", "ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR"
    ):
        # Each look-up shows the IC's secret phrase: an address gets a bounded number an hour.
        form.add_error(None, _("Too many IC numbers have been entered from your network. Please try again in an "
                               "hour."))
    elif request.method == "POST" and form.is_valid():
        request.session.cycle_key()
        request.session[LOGIN_IC] = form.cleaned_data["id_number"]
        request.session.pop(LOGIN_STEP_UP_USER, None)  # a step up belongs to the IC it was for
        request.session[NEXT_URL] = next_url
        return redirect("accounts:login_password")
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def login_password(request: HttpRequest) -> HttpResponse:
    """Log In, step 2: the secret phrase, the IC and the password.

    Any IC gets this page: an unknown one is shown a stable made-up phrase, and every failure (unknown IC, wrong
    password, account not activated) gives the same message. `authenticate` goes through django-axes (lockout
    on IC + IP) and LoginBudgetBackend (an hourly budget per IC from every address, then a code by SMS as well:
    matrix/accounts/login_guard.py), which runs a password hash even for an unknown IC, so timings match too."""
    id_number = request.session.get(LOGIN_IC)
    if not id_number:
        return redirect("accounts:login")
    form = forms.LoginPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(request=request, id_number=id_number, password=form.cleaned_data["password"])
        if user is not None:
            _login_finish(request, user)
            return redirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)
        if getattr(request, "login_step_up", False):
            return _login_step_up(request, id_number=id_number, password=form.cleaned_data["password"])
        form.add_error(None, _("The IC number or password is not correct."))
    return render(request, "accounts/login_password.html", {
        "form": form, "id_number": id_number, "secret_phrase": selectors.login_secret_phrase(id_number=id_number),
    })


def _login_finish(request: HttpRequest, user: User) -> None:
    services.account_login_record(user=user)
    login(request, user, backend="matrix.accounts.backends.LoginBudgetBackend")  # new session key
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    request.session.pop(LOGIN_IC, None)
    request.session.pop(LOGIN_STEP_UP_USER, None)


def _login_step_up(request: HttpRequest, *, id_number: str, password: str) -> HttpResponse:
    """The IC's budget is spent: whatever the password, go on to the code page. The code is sent (after the
    response) only when the password was right; nothing on the way tells which it was."""
    user = login_guard.login_password_check(id_number=id_number, password=password)
    request.session[LOGIN_STEP_UP_USER] = user.pk if user is not None else None
    background.after_commit(tasks.login_code_send, user_id=user.pk if user is not None else None)
    return redirect("accounts:login_code")


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """Log In - Code Verification: the step up after too many wrong passwords for the IC number. Every refusal
    has one message (a wrong password behind it, or a wrong, expired or used code)."""
    id_number = request.session.get(LOGIN_IC)
    if not id_number or LOGIN_STEP_UP_USER not in request.session:
        return redirect("accounts:login")
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_guard.login_code_confirm(
                user_id=request.session.get(LOGIN_STEP_UP_USER), code=form.cleaned_data["code"]
            )
        except OtpRefused as error:
            form.add_error("code", error.message)
        else:
            _login_finish(request, user)
            return redirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/login_code.html", {
        "form": form, "minutes": conf("ACCOUNTS_OTP_TTL_SECONDS") // 60,
    })


def _next_url(request: HttpRequest) -> str:
    target = request.session.pop(NEXT_URL, "") or ""
    if target and _url_is_safe(request, target):
        return target
    return ""


def _url_is_safe(request: HttpRequest, url: str) -> bool:
    """A `next` target on this site (and not downgraded to http from an https page)."""
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def lockout_response(request, *args, **kwargs):
    """django-axes: the (IC number, IP address) pair has too many failed passwords."""
    return render(request, "accounts/locked_out.html", status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def mode(request: HttpRequest) -> HttpResponse:
    """Select Mode: I'M SELF-EMPLOYED, I'M EMPLOYEE (unavailable), I'M EMPLOYER (unavailable)."""
    return render(request, "accounts/mode.html", {"last_login": selectors.last_login_display(user=request.user)})


@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """"Stay signed in": touch the session's last activity (JSON for static/js/matrix.js)."""
    if not request.user.is_authenticated:
        return JsonResponse({"ok": False}, status=401)
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    return JsonResponse({"ok": True})


# --- forgotten password --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def password_forgot(request: HttpRequest) -> HttpResponse:
    """Forgot Password: the IC number and the way to reach the person (a link by email, or a code by SMS). The
    answer never depends on whether the IC has an account."""
    form = forms.PasswordForgotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        id_number = form.cleaned_data["id_number"]
        if form.cleaned_data["channel"] == forms.ResetChannel.SMS:
            if not _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
                background.after_commit(tasks.password_reset_code_request, id_number=id_number)
            request.session[RESET_CODE_IC] = id_number
            return redirect("accounts:password_reset_code")
        if not _ip_limited(request, "accounts:links", "ACCOUNTS_LINKS_PER_IP_PER_HOUR"):
            background.after_commit(tasks.password_reset_link_request, id_number=id_number)
        return render(request, "accounts/email_sent.html", {
            "title": _("Check your email"),
            "text": _("If this IC number has a MATRIX account, we have sent a link to reset the password to the "
                      "email address registered with it. The link works once and expires in %(hours)d hour(s).")
            % {"hours": conf("ACCOUNTS_RESET_LINK_HOURS")},
        })
    return render(request, "accounts/password_forgot.html", {"form": form})


def password_reset_link(request: HttpRequest, token: str) -> HttpResponse:
    return _link_enter(request, token=token, purpose=LinkPurpose.RESET, next_url=reverse("accounts:password_reset"))


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    try:
        token_hash, link = _link_in_session(request, purpose=LinkPurpose.RESET)
    except LinkInvalid as error:
        return _link_invalid(request, error=error, purpose=LinkPurpose.RESET)
    form = forms.PasswordResetForm(request.POST or None, user=link.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_complete(token_hash=token_hash, new_password=form.cleaned_data["password1"])
        except LinkInvalid as error:
            return _link_invalid(request, error=error, purpose=LinkPurpose.RESET)
        if request.user.is_authenticated:
            logout(request)
        request.session.pop(LINK_TOKENS[LinkPurpose.RESET], None)
        messages.success(request, _("Your password has been changed. Please log in with the new password."))
        return redirect("accounts:login")
    return render(request, "accounts/form_page.html", {
        "form": form, "title": _("Reset Password"), "button": _("Save"), "layout": "layouts/public.html",
    })


@require_http_methods(["GET", "POST"])
def password_reset_code(request: HttpRequest) -> HttpResponse:
    """Forgot password by SMS: Enter the code, New Password, Password Confirm. Identical for an IC without an
    account, where every code is refused with the wrong-code message. "Resend" asks for a new code (quietly
    refused during the cooldown and past the limits, as the first one)."""
    id_number = request.session.get(RESET_CODE_IC)
    if not id_number:
        return redirect("accounts:password_forgot")
    if request.method == "POST" and "resend" in request.POST:
        if not _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
            background.after_commit(tasks.password_reset_code_request, id_number=id_number)
        messages.info(request, _("If this IC number has a MATRIX account, a new code has been sent to the mobile "
                                 "number registered with it."))
        return redirect("accounts:password_reset_code")
    form = forms.PasswordResetCodeForm(request.POST or None, id_number=id_number)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_by_code(
                id_number=id_number, code=form.cleaned_data["code"], new_password=form.cleaned_data["password1"]
            )
        except OtpRefused as error:
            form.add_error("code", error.message)
        else:
            if request.user.is_authenticated:
                logout(request)
            request.session.pop(RESET_CODE_IC, None)
            messages.success(request, _("Your password has been changed. Please log in with the new password."))
            return redirect("accounts:login")
    return render(request, "accounts/password_reset_code.html", {
        "form": form, "minutes": conf("ACCOUNTS_OTP_TTL_SECONDS") // 60,
        "cooldown": conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS"),
    })


# --- settings: management --------------------------------------------------------------------------------------------


@login_required
def management(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/management.html", {
        "account": request.user, "mobile_display": mask_mobile(request.user.mobile) if request.user.mobile else "",
    })


def _settings_form_page(request, form, *, title: str, intro: str = "", button: str) -> HttpResponse:
    return render(request, "accounts/form_page.html", {
        "form": form, "title": title, "intro": intro, "button": button, "layout": "layouts/portal.html",
        "back_url": reverse("accounts:management"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = forms.PasswordChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        user = services.password_change(user=request.user, new_password=form.cleaned_data["password1"])
        update_session_auth_hash(request, user)  # this session stays; every other one ends
        messages.success(request, _("Your password has been changed. You have been logged out everywhere else."))
        return redirect("accounts:management")
    return _settings_form_page(request, form, title=_("Change Password"), button=_("Save"),
                               intro=_("After the change, every other session of your account is logged out."))


@login_required
@require_http_methods(["GET", "POST"])
def secret_phrase_change(request: HttpRequest) -> HttpResponse:
    form = forms.SecretPhraseChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        services.secret_phrase_change(user=request.user, secret_phrase=form.cleaned_data["secret_phrase"])
        messages.success(request, _("Your secret phrase has been changed."))
        return redirect("accounts:management")
    return _settings_form_page(request, form, title=_("Change Secret Phrase"), button=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def email_change(request: HttpRequest) -> HttpResponse:
    form = forms.EmailChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        if _ip_limited(request, "accounts:links", "ACCOUNTS_LINKS_PER_IP_PER_HOUR"):
            form.add_error(None, _too_many_from_here())
        else:
            try:
                services.email_change_start(user=request.user, new_email=form.cleaned_data["email"])
            except LinkLimited as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _(
                    "We have sent a link to %(email)s. Your email address changes when you open that link."
                ) % {"email": form.cleaned_data["email"]})
                return redirect("accounts:management")
    return _settings_form_page(request, form, title=_("Change Email"), button=_("Next"), intro=_(
        "Enter your current password and the new address. We send a link to the new address; your email changes "
        "when you open it."))


def email_confirm_link(request: HttpRequest, token: str) -> HttpResponse:
    return _link_enter(
        request, token=token, purpose=LinkPurpose.CHANGE_EMAIL, next_url=reverse("accounts:email_confirm_page")
    )


@require_http_methods(["GET", "POST"])
def email_confirm_page(request: HttpRequest) -> HttpResponse:
    """Confirm the new email address (a POST, so that mail scanners opening the link change nothing)."""
    try:
        token_hash, link = _link_in_session(request, purpose=LinkPurpose.CHANGE_EMAIL)
    except LinkInvalid as error:
        return _link_invalid(request, error=error, purpose=LinkPurpose.CHANGE_EMAIL)
    if request.method == "POST":
        try:
            services.email_change_confirm(token_hash=token_hash)
        except LinkInvalid as error:
            return _link_invalid(request, error=error, purpose=LinkPurpose.CHANGE_EMAIL)
        request.session.pop(LINK_TOKENS[LinkPurpose.CHANGE_EMAIL], None)
        messages.success(request, _("Your email address has been changed."))
        return redirect("accounts:management" if request.user.is_authenticated else "accounts:login")
    return render(request, "accounts/email_confirm.html", {"new_email": link.sent_to})


@login_required
@require_http_methods(["GET", "POST"])
def mobile_change(request: HttpRequest) -> HttpResponse:
    form = forms.MobileChangeForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and form.is_valid():
        if _ip_limited(request, "accounts:otp", "ACCOUNTS_OTP_PER_IP_PER_HOUR"):
            form.add_error(None, _too_many_from_here())
        else:
            try:
                services.mobile_change_start(user=request.user, new_mobile=form.cleaned_data["mobile"])
            except OtpLimited as error:
                form.add_error(None, error.message)
            else:
                return redirect("accounts:mobile_verify")
    return _settings_form_page(request, form, title=_("Change Mobile Number"), button=_("Next"), intro=_(
        "Enter your current password and the new number. We send a code by SMS to the new number; your number "
        "changes when you enter it."))


@login_required
@require_http_methods(["GET", "POST"])
def mobile_verify(request: HttpRequest) -> HttpResponse:
    latest = selectors.otp_latest(user=request.user, purpose=OtpPurpose.CHANGE_MOBILE)
    if latest is None or latest.used_at is not None:
        return redirect("accounts:mobile_change")
    if request.method == "POST" and "resend" in request.POST:
        _otp_resend(request, user=request.user, purpose=OtpPurpose.CHANGE_MOBILE, sent_to=latest.sent_to)
        return redirect("accounts:mobile_verify")
    form = forms.OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.mobile_change_confirm(user=request.user, code=form.cleaned_data["code"])
        except OtpRefused as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Your mobile number has been changed."))
            return redirect("accounts:management")
    return render(request, "accounts/mobile_verify.html", {
        "form": form, "mobile_masked": mask_mobile(latest.sent_to),
        "cooldown": conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS"),
    })
