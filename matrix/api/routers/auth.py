"""Sign-up (CAPTCHA, OTP, activation), the two-step login, token refresh and logout.

Each step calls the accounts services and selectors the pages use; input is cleaned by the pages' own form
classes (SignupForm, OtpForm, ActivationForm, LoginIcForm, LoginPasswordForm), so no rule exists twice. Where a
page keeps state in its session (the sign-up in progress, the IC of the login), the API hands the client a
signed, expiring token instead."""

from captcha.helpers import captcha_audio_url, captcha_image_url
from captcha.models import CaptchaStore
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.core import signing
from django.utils.translation import gettext as _
from ninja import Router

from matrix.accounts import forms as account_forms
from matrix.accounts import selectors as account_selectors
from matrix.accounts import services as account_services
from matrix.accounts.errors import LinkInvalid, OtpLimited, OtpRefused, SignupAlreadyDone
from matrix.accounts.masking import mask_mobile
from matrix.accounts.models import OtpPurpose
from matrix.api import limits, tokens
from matrix.api.auth import access_token
from matrix.api.errors import ApiError, Invalid, RateLimited, Unauthorized, form_invalid
from matrix.api.idempotency import idempotent
from matrix.api.schemas import (
    ActivationIn,
    CaptchaOut,
    DoneOut,
    ErrorOut,
    LoginIcIn,
    LoginIcOut,
    LoginPasswordIn,
    LogoutIn,
    OtpIn,
    RefreshIn,
    SignupIn,
    SignupOut,
    SignupTokenIn,
    TokensOut,
)
from matrix.core.client_ip import client_ip

router = Router(tags=["Sign-up and login"])

SIGNUP_SALT = "matrix.api.signup"
SIGNUP_MAX_AGE = 60 * 60
LOGIN_SALT = "matrix.api.login"
LOGIN_MAX_AGE = 10 * 60
ERRORS = {400: ErrorOut, 401: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _signup_user(signup_token: str):
    try:
        data = signing.loads(signup_token, salt=SIGNUP_SALT, max_age=SIGNUP_MAX_AGE)
    except signing.BadSignature:
        data = None
    user = account_selectors.user_pending_get(pk=data["u"]) if isinstance(data, dict) and "u" in data else None
    if user is None:
        raise Invalid(_("This sign-up has expired or is already finished. Please sign up again."),
                      code="signup_expired", fields={"signup_token": [_("Sign up again.")]})
    return user


def _limited(error: OtpLimited) -> RateLimited:
    return RateLimited(error.message, code=f"otp_{error.code}" if error.code else "rate_limited",
                       retry_after=error.retry_after if error.retry_after is not None else 3600)


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
    if account_selectors.user_signed_up(id_number=data["id_number"]):
        raise Invalid(SignupAlreadyDone.default_message, code="signed_up",
                      fields={"id_number": [SignupAlreadyDone.default_message]})
    limits.otp_ip_limit(request)
    try:
        user = account_services.account_signup_start(
            id_type=data["id_type"], id_number=data["id_number"], full_name=data["full_name"],
            email=data["email"], mobile=data["mobile"],
        )
    except SignupAlreadyDone as error:
        raise Invalid(error.message, code="signed_up", fields={"id_number": [error.message]}) from None
    except OtpLimited as error:
        raise _limited(error) from None
    return 201, {
        "signup_token": signing.dumps({"u": user.pk}, salt=SIGNUP_SALT),
        "mobile_masked": mask_mobile(user.mobile),
        "message": _("We have sent a code by SMS to %(mobile)s.") % {"mobile": mask_mobile(user.mobile)},
    }


@router.post("/signup/otp", response={200: DoneOut, **ERRORS}, summary="Sign-up OTP verification")
@idempotent
def signup_otp(request, payload: OtpIn):
    user = _signup_user(payload.signup_token)
    form = account_forms.OtpForm({"code": payload.code})
    if not form.is_valid():
        raise form_invalid(form)
    try:
        account_services.account_signup_confirm(user=user, code=form.cleaned_data["code"])
    except (OtpRefused, LinkInvalid) as error:
        raise Invalid(error.message, code=f"otp_{error.code}" if error.code else "otp_refused",
                      fields={"code": [error.message]}) from None
    return {"message": _("Your mobile number is verified. We have sent an activation link to your email.")}


@router.post("/signup/otp/resend", response={200: DoneOut, **ERRORS}, summary="Send the sign-up OTP again")
@idempotent
def signup_otp_resend(request, payload: SignupTokenIn):
    user = _signup_user(payload.signup_token)
    limits.otp_ip_limit(request)
    try:
        account_services.otp_issue(user=user, purpose=OtpPurpose.SIGNUP, sent_to=user.mobile)
    except OtpLimited as error:
        raise _limited(error) from None
    return {"message": _("A new code has been sent to %(mobile)s.") % {"mobile": mask_mobile(user.mobile)}}


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
    id_number = form.cleaned_data["id_number"]
    return {
        "login_token": signing.dumps({"ic": id_number}, salt=LOGIN_SALT),
        "secret_phrase": account_selectors.login_secret_phrase(id_number=id_number),
    }


@router.post("/login/password", response={200: TokensOut, **ERRORS},
             summary="Log in, step 2: the password; returns the access and refresh tokens")
@idempotent
def login_password(request, payload: LoginPasswordIn):
    """The same check as the login page: django-axes (lockout on IC + IP) and the password; every failure gets
    one message."""
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
        raise ApiError(_("The IC number or password is not correct."), code="login_failed", status=401)
    account_services.account_login_record(user=user)
    # What login() signals, without a session: last_login is updated, django-axes clears the failures.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    pair = tokens.api_session_start(user=user, client_ip=client_ip(request))
    return _tokens_out(pair, last_login=account_selectors.last_login_display(user=user))


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
