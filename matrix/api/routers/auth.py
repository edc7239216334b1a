"""Sign-up (CAPTCHA, OTP, activation), the two-step login, token refresh and logout.

Each step calls the accounts services and selectors the pages use; input is cleaned by the pages' own form
classes (SignupForm, OtpForm, ActivationForm, LoginIcForm, LoginPasswordForm), so no rule exists twice. Where a
page keeps state in its session (the sign-up in progress, the IC of the login), the API hands the client a
signed, expiring token instead."""

import base64
import json

from captcha.helpers import captcha_audio_url, captcha_image_url
from captcha.models import CaptchaStore
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from ninja import Router

from matrix.accounts import background, login_guard
from matrix.accounts import forms as account_forms
from matrix.accounts import selectors as account_selectors
from matrix.accounts import services as account_services
from matrix.accounts import tasks as account_tasks
from matrix.accounts.conf import conf
from matrix.accounts.errors import LinkInvalid, OtpRefused
from matrix.accounts.masking import mask_mobile
from matrix.api import limits, tokens
from matrix.api.auth import access_token
from matrix.api.errors import ApiError, Invalid, RateLimited, Unauthorized, form_invalid
from matrix.api.idempotency import idempotent
from matrix.api.schemas import (
    ActivationIn,
    CaptchaOut,
    DoneOut,
    ErrorOut,
    LoginCodeIn,
    LoginIcIn,
    LoginIcOut,
    LoginPasswordIn,
    LogoutIn,
    OtpIn,
    RefreshIn,
    SignupIn,
    SignupOut,
    SignupTokenIn,
    StepUpOut,
    TokensOut,
)
from matrix.core.client_ip import client_ip

router = Router(tags=["Sign-up and login"])

SIGNUP_SALT = "matrix.api.signup"
SIGNUP_MAX_AGE = 60 * 60
LOGIN_SALT = "matrix.api.login"
LOGIN_MAX_AGE = 10 * 60
ERRORS = {400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _signup_state(signup_token: str) -> tuple[str, str]:
    """The IC number and mobile of the sign-up the token names (what the page keeps in its session). The token
    holds only what the client sent, so it looks the same whether or not the IC number has an account."""
    try:
        data = signing.loads(signup_token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
    except signing.BadSignature:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("ic"), str) or not isinstance(data.get("m"), str):
        raise Invalid(_("This sign-up has expired or is already finished. Please sign up again."),
                      code="signup_expired", fields={"signup_token": [_("Sign up again.")]})
    return data["ic"], data["m"]


@router.get("/captcha", response={200: CaptchaOut}, summary="A new CAPTCHA for the sign-up")
def captcha_new(request):
    key = CaptchaStore.generate_key()
    audio = captcha_audio_url(key) if settings.CAPTCHA_FLITE_PATH else None
    return {"key": key, "image_url": captcha_image_url(key), "audio_url": audio}


@router.post("/signup", response={201: SignupOut, **ERRORS}, summary="Sign up: sends an OTP by SMS")
@idempotent
def signup(request, payload: SignupIn):
    form = account_forms.SignupForm({
        "id_type": payload.id_type, "id_number": payload.id_number, "full_name": payload.full_name,
        "email": payload.email, "mobile": payload.mobile, "terms": "on" if payload.terms_accepted else "",
        "captcha_0": payload.captcha_key, "captcha_1": payload.captcha_value,
    })
    if not form.is_valid():
        raise form_invalid(form, names={"terms": "terms_accepted", "captcha": "captcha_value"})
    data = form.cleaned_data
    # As the sign-up page: the per-address limit first, then one answer for every IC number (new, in progress or
    # signed up); the look-up, the account row and the SMS (or the owner's email) run in a task after the commit
    # (matrix/accounts/background.py).
    limits.otp_ip_limit(request)
    background.after_commit(
        account_tasks.signup_request, id_type=data["id_type"], id_number=data["id_number"],
        full_name=data["full_name"], email=data["email"], mobile=data["mobile"],
    )
    masked = mask_mobile(data["mobile"])
    return 201, {
        "signup_token": signing.dumps({"ic": data["id_number"], "m": data["mobile"]}, salt=SIGNUP_SALT),
        "mobile_masked": masked,
        "message": _("We have sent a code by SMS to %(mobile)s.") % {"mobile": masked},
    }


@router.post("/signup/otp", response={200: DoneOut, **ERRORS}, summary="Sign-up OTP verification")
@idempotent
def signup_otp(request, payload: OtpIn):
    """Every refusal has one message, as on the page: a wrong, expired or used code, or no sign-up in progress
    for this IC number and mobile (an IC that has an account, or a code that could not be sent)."""
    id_number, mobile = _signup_state(payload.signup_token)
    form = account_forms.OtpForm({"code": payload.code})
    if not form.is_valid():
        raise form_invalid(form)
    user = account_selectors.user_signup_pending_get(id_number=id_number, mobile=mobile)
    try:
        if user is None:
            raise OtpRefused(code="none")
        account_services.account_signup_confirm(user=user, code=form.cleaned_data["code"])
    except OtpRefused:
        message = str(account_services.RESET_CODE_REFUSED)
        raise Invalid(message, code="otp_refused", fields={"code": [message]}) from None
    except LinkInvalid as error:
        raise Invalid(error.message, code=f"link_{error.code}" if error.code else "link_refused",
                      fields={"code": [error.message]}) from None
    return {"message": _("Your mobile number is verified. We have sent an activation link to your email.")}


@router.post("/signup/otp/resend", response={200: DoneOut, **ERRORS}, summary="Send the sign-up OTP again")
@idempotent
def signup_otp_resend(request, payload: SignupTokenIn):
    """The same answer whatever the IC number: the new code is asked for after the commit (quietly nothing during
    the resend cooldown, past the limits, or without a sign-up in progress)."""
    id_number, mobile = _signup_state(payload.signup_token)
    limits.otp_ip_limit(request)
    background.after_commit(account_tasks.signup_code_resend, id_number=id_number, mobile=mobile)
    return {"message": _("A new code has been sent to %(mobile)s.") % {"mobile": mask_mobile(mobile)}}


@router.post("/activation", response={200: DoneOut, **ERRORS}, summary="Account activation from the emailed link")
@idempotent
def activation(request, payload: ActivationIn):
    token_hash = account_selectors.email_link_token_hash(payload.token)
    try:
        link = account_selectors.email_link_get(token_hash=token_hash, purpose="ACTIVATE")
    except LinkInvalid as error:
        raise Invalid(error.message, code=f"link_{error.code}", fields={"token": [error.message]}) from None
    form = account_forms.ActivationForm(
        {"secret_phrase": payload.secret_phrase, "password1": payload.password,
         "password2": payload.password_confirm},
        user=link.user,
    )
    if not form.is_valid():
        raise form_invalid(form, names={"password1": "password", "password2": "password_confirm"})
    try:
        account_services.account_activate(token_hash=token_hash, secret_phrase=form.cleaned_data["secret_phrase"],
                                           password=form.cleaned_data["password1"])
    except LinkInvalid as error:
        raise Invalid(error.message, code=f"link_{error.code}", fields={"token": [error.message]}) from None
    return {"message": _("Success! You have joined the MATRIX.")}


@router.post("/login/ic", response={200: LoginIcOut, **ERRORS}, summary="Log in, step 1: the IC number")
@idempotent
def login_ic(request, payload: LoginIcIn):
    """Any IC gets an answer: an unknown one a stable made-up secret phrase, so the answer tells nobody who has
    an account."""
    limits.login_ip_limit(request)
    form = account_forms.LoginIcForm({"id_number": payload.id_number})
    if not form.is_valid():
        raise form_invalid(form)
    # Each look-up shows the IC's secret phrase: an address gets a bounded number an hour, counted with the page's.
    limits.limit(request, group="accounts:ic", rate=conf("ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR"),
                 message=_("Too many IC numbers have been entered from your network. Please try again in an hour."))
    id_number = form.cleaned_data["id_number"]
    return {
        "login_token": signing.dumps({"ic": id_number}, salt=LOGIN_SALT),
        "secret_phrase": account_selectors.login_secret_phrase(id_number=id_number),
    }


@router.post("/login/password", response={200: TokensOut, 202: StepUpOut, **ERRORS},
             summary="Log in, step 2: the password; returns the access and refresh tokens (202: a code is needed)")
@idempotent
def login_password(request, payload: LoginPasswordIn):
    """The same check as the login page: django-axes (lockout on IC + IP), the IC's hourly budget of tries from
    every address (LoginBudgetBackend) and the password; every failure gets one message. While the budget is
    spent the answer is 202 with a `step_up_token`, whatever the password: go on to POST /auth/login/code."""
    limits.login_ip_limit(request)
    try:
        id_number = signing.loads(payload.login_token, salt=LOGIN_SALT, max_age=LOGIN_MAX_AGE)["ic"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Invalid(_("Your login has expired. Please enter your IC number again."), code="login_expired",
                      fields={"login_token": [_("Enter your IC number again.")]}) from None
    form = account_forms.LoginPasswordForm({"password": payload.password})
    if not form.is_valid():
        raise form_invalid(form)
    user = authenticate(request=request, id_number=id_number, password=form.cleaned_data["password"])
    if user is None:
        if getattr(request, "axes_locked_out", False):
            request.axes_locked_out = False  # answered here, in JSON, instead of the lockout page
            raise RateLimited(_("Too many failed logins from here for this IC number. Please try again later."),
                              code="locked_out", retry_after=int(settings.AXES_COOLOFF_TIME * 3600))
        if getattr(request, "login_step_up", False):
            return 202, _step_up_start(id_number=id_number, password=form.cleaned_data["password"])
        raise ApiError(_("The IC number or password is not correct."), code="login_failed", status=401)
    return _login_finish(request, user)


def _login_finish(request, user) -> dict:
    account_services.account_login_record(user=user)
    # What login() signals, without a session: last_login is updated, django-axes clears the failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    pair = tokens.api_session_start(user=user, client_ip=client_ip(request))
    return _tokens_out(pair, last_login=account_selectors.last_login_display(user=user))


def _step_up_fernet() -> Fernet:
    raw = salted_hmac("matrix.api.login.step_up", "fernet", algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def _step_up_start(*, id_number: str, password: str) -> dict:
    """The IC's hourly budget is spent (matrix/accounts/login_guard.py): whatever the password, the same answer;
    the code is sent by SMS (after the commit) only when the password was right. The token carries the account
    the code belongs to (or none) encrypted, at a fixed width, so that it does not tell whether the password was
    right; being stateless, it works on every app server and worker."""
    user = login_guard.login_password_check(id_number=id_number, password=password)
    background.after_commit(account_tasks.login_code_send, user_id=user.pk if user is not None else None)
    plain = json.dumps({"ic": f"{id_number:<60}", "u": f"{user.pk if user is not None else 0:020d}"})
    return {
        "step_up_token": _step_up_fernet().encrypt(plain.encode()).decode(),
        "message": _("For your safety, logging in to this account now needs a code as well. If the password was "
                     "right, we have sent a code by SMS to the mobile number registered with the account. It "
                     "expires in %(minutes)d minutes.") % {"minutes": conf("ACCOUNTS_OTP_TTL_SECONDS") // 60},
    }


def _step_up_user_id(step_up_token: str) -> int:
    """The account id in a step-up token (0: the password was wrong); Invalid when forged or expired."""
    try:
        data = json.loads(_step_up_fernet().decrypt(step_up_token.encode(), ttl=LOGIN_MAX_AGE))
        return int(data["u"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        raise Invalid(_("Your login has expired. Please enter your IC number again."), code="login_expired",
                      fields={"step_up_token": [_("Enter your IC number again.")]}) from None


@router.post("/login/code", response={200: TokensOut, **ERRORS},
             summary="Log in, step 3 (only after a 202 from step 2): the code sent by SMS; returns the tokens")
@idempotent
def login_code(request, payload: LoginCodeIn):
    """The step up of the login page (Log In - Code Verification): after too many wrong passwords for the IC
    number in the last hour from anywhere, step 2 answers 202 with a `step_up_token` instead of the tokens and a
    code goes by SMS to the account's mobile if the password was right. Every refusal has one message (a wrong
    password behind it, or a wrong, expired or used code); a code allows 5 tries."""
    limits.login_ip_limit(request)
    user_id = _step_up_user_id(payload.step_up_token)
    form = account_forms.OtpForm({"code": payload.code})
    if not form.is_valid():
        raise form_invalid(form)
    try:
        user = login_guard.login_code_confirm(user_id=user_id or None, code=form.cleaned_data["code"])
    except OtpRefused as error:
        raise Invalid(str(error.message), code="code_refused", fields={"code": [str(error.message)]}) from None
    return _login_finish(request, user)


def _tokens_out(pair: tokens.TokenPair, *, last_login: str) -> dict:
    return {
        "access_token": pair.access_token, "access_expires_at": pair.access_expires_at,
        "refresh_token": pair.refresh_token, "refresh_expires_at": pair.refresh_expires_at,
        "token_type": "Bearer", "last_login": last_login,
    }


@router.post("/token/refresh", response={200: TokensOut, **ERRORS}, summary="New tokens for a refresh token")
@idempotent
def token_refresh(request, payload: RefreshIn):
    pair = tokens.api_session_refresh(refresh_token=payload.refresh_token)
    if pair is None:
        raise ApiError(_("Please log in again: the refresh token is expired or revoked."), code="refresh_refused",
                       status=401)
    return _tokens_out(pair, last_login=account_selectors.last_login_display(user=pair.session.user))


@router.post("/logout", response={200: DoneOut, **ERRORS}, auth=access_token,
             summary="Log out: revokes this session's tokens (or every session)")
@idempotent
def logout(request, payload: LogoutIn):
    if payload.everywhere:
        tokens.api_sessions_revoke_all(user_id=request.user.pk, reason="logout_everywhere")
    else:
        tokens.api_session_revoke(session=request.api_session)
    return {"message": _("You have logged out.")}


__all__ = ["router", "Unauthorized"]
