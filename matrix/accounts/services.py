"""Accounts writes: sign-up, one-time codes, email links, activation, login record, settings changes.

Secrets never stay in plain text: a one-time code is kept as HMAC-SHA256(SECRET_KEY, account:purpose:code) and
an email link as the SHA-256 of its random 256-bit token. Neither is ever passed to a logger.

Functions that check a one-time code (`*_confirm`) first let `otp_verify` commit its own short transaction,
so that a wrong try is counted even though the refusal is raised; the rest of their work is one transaction.
"""

import logging
import secrets
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from matrix.accounts.conf import conf
from matrix.accounts.errors import LinkInvalid, LinkLimited, OtpLimited, OtpRefused, SignupAlreadyDone
from matrix.accounts.masking import mask_email, mask_id_number, mask_mobile
from matrix.accounts.models import EmailLink, LinkPurpose, OneTimeCode, OtpPurpose, User
from matrix.accounts.selectors import email_link_get, email_link_token_hash
from matrix.notifications.services import email_send, sms_send

logger = logging.getLogger(__name__)


# --- one-time codes (SMS) ---------------------------------------------------------------------------------------


def _otp_hash(*, user_id: int, purpose: str, code: str) -> str:
    return salted_hmac("matrix.accounts.otp", f"{user_id}:{purpose}:{code}", algorithm="sha256").hexdigest()


def _otp_limits_check(*, user: User, purpose: str, sent_to: str, now) -> None:
    """Raise OtpLimited when a new code may not be sent now. Cheap: a few indexed counts."""
    latest = OneTimeCode.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-pk").first()
    max_attempts = conf("ACCOUNTS_OTP_MAX_ATTEMPTS")
    if latest is not None and latest.attempts >= max_attempts and latest.closed_at:
        unlock = latest.closed_at + timedelta(seconds=conf("ACCOUNTS_OTP_LOCK_SECONDS"))
        if unlock > now:
            minutes = max(1, int((unlock - now).total_seconds() + 59) // 60)
            raise OtpLimited(
                ngettext(
                    "Too many wrong codes. Please wait %(n)d minute before asking for a new code.",
                    "Too many wrong codes. Please wait %(n)d minutes before asking for a new code.",
                    minutes,
                )
                % {"n": minutes},
                code="locked",
                retry_after=int((unlock - now).total_seconds()),
            )
    if latest is not None:
        ready = latest.created_at + timedelta(seconds=conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS"))
        if ready > now:
            seconds = max(1, int((ready - now).total_seconds() + 0.999))
            raise OtpLimited(
                ngettext(
                    "A code was sent a moment ago. Please wait %(n)d second before asking for a new one.",
                    "A code was sent a moment ago. Please wait %(n)d seconds before asking for a new one.",
                    seconds,
                )
                % {"n": seconds},
                code="cooldown",
                retry_after=seconds,
            )
    hour_ago = now - timedelta(hours=1)
    if OneTimeCode.objects.filter(user=user, created_at__gt=hour_ago).count() >= conf(
        "ACCOUNTS_OTP_PER_ACCOUNT_PER_HOUR"
    ):
        raise OtpLimited(
            _("Too many codes have been sent for this account. Please try again in an hour."), code="account_limit"
        )
    if OneTimeCode.objects.filter(sent_to=sent_to, created_at__gt=hour_ago).count() >= conf(
        "ACCOUNTS_OTP_PER_NUMBER_PER_HOUR"
    ):
        raise OtpLimited(
            _("Too many codes have been sent to this mobile number. Please try again in an hour."),
            code="number_limit",
        )


@transaction.atomic
def otp_issue(*, user: User, purpose: str, sent_to: str) -> OneTimeCode:
    """Send a new 6-digit code by SMS to `sent_to` for `purpose`, replacing any open one.

    Refused (OtpLimited) during the resend cooldown, for a while after the tries of a code ran out, and past the
    hourly limits per account and per mobile number. (The per-IP limit is the view's, which knows the IP.)"""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer per account at a time
    now = timezone.now()
    _otp_limits_check(user=user, purpose=purpose, sent_to=sent_to, now=now)
    OneTimeCode.objects.filter(user=user, purpose=purpose, closed_at__isnull=True).update(closed_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        code_hash=_otp_hash(user_id=user.pk, purpose=purpose, code=code),
        sent_to=sent_to,
        created_at=now,
        expires_at=now + timedelta(seconds=conf("ACCOUNTS_OTP_TTL_SECONDS")),
    )
    minutes = conf("ACCOUNTS_OTP_TTL_SECONDS") // 60
    sms_send(
        to=sent_to,
        text=_("MATRIX PERKESO: your one-time code is %(code)s. It expires in %(minutes)d minutes. "
               "Never share it with anyone.") % {"code": code, "minutes": minutes},
        kind="one_time_code", event_key=f"one-time-code-{row.pk}", user=user,
    )
    logger.info("one-time code %s issued for account %s (%s)", row.pk, user.pk, purpose)
    return row


def otp_verify(*, user: User, purpose: str, code: str) -> OneTimeCode:
    """Check `code` against the account's latest code for `purpose`; on success it is used up (single use).

    Refusals (OtpRefused): no code, already used, too many tries (the 5th wrong try closes the code), expired,
    wrong (each wrong try is counted and committed before the refusal is raised)."""
    refusal = None
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(user=user, purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        now = timezone.now()
        max_attempts = conf("ACCOUNTS_OTP_MAX_ATTEMPTS")
        if row is None:
            refusal = OtpRefused(_("No code has been sent yet. Please ask for a code."), code="none")
        elif row.used_at is not None:
            refusal = OtpRefused(_("This code has already been used. Please ask for a new code."), code="used")
        elif row.closed_at is not None and row.attempts < max_attempts:
            # Withdrawn without a newer code (e.g. by a password change): it can no longer be used.
            refusal = OtpRefused(_("This code has expired. Please ask for a new code."), code="closed")
        elif row.attempts >= max_attempts:
            refusal = OtpRefused(
                _("Too many wrong codes. Please wait a while, then ask for a new code."), code="locked"
            )
        elif row.expires_at <= now:
            refusal = OtpRefused(_("This code has expired. Please ask for a new code."), code="expired")
        elif not constant_time_compare(
            row.code_hash, _otp_hash(user_id=user.pk, purpose=purpose, code=(code or "").strip())
        ):
            row.attempts += 1
            fields = ["attempts"]
            if row.attempts >= max_attempts:
                row.closed_at = now
                fields.append("closed_at")
                refusal = OtpRefused(
                    _("The code is not correct, and there are no tries left. Please wait a while, then ask for a "
                      "new code."),
                    code="locked",
                )
            else:
                left = max_attempts - row.attempts
                refusal = OtpRefused(
                    ngettext(
                        "The code is not correct. You have %(n)d try left.",
                        "The code is not correct. You have %(n)d tries left.",
                        left,
                    )
                    % {"n": left},
                    code="wrong",
                )
            row.save(update_fields=fields)
        else:
            row.used_at = now
            row.closed_at = now
            row.save(update_fields=["used_at", "closed_at"])
    if refusal is not None:
        logger.info("one-time code refused for account %s (%s): %s", user.pk, purpose, refusal.code)
        raise refusal
    return row


# --- email links ---------------------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return email_link_token_hash(token)


def _absolute(path: str) -> str:
    return urljoin(settings.PORTAL_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def _email_link_create(*, user: User, purpose: str, sent_to: str, hours: int) -> tuple[EmailLink, str]:
    """Close the account's open link for `purpose` and make a new one. Returns the row and the plain token,
    which only ever goes into the email."""
    now = timezone.now()
    hour_ago = now - timedelta(hours=1)
    if EmailLink.objects.filter(user=user, created_at__gt=hour_ago).count() >= conf(
        "ACCOUNTS_LINKS_PER_ACCOUNT_PER_HOUR"
    ):
        raise LinkLimited()
    EmailLink.objects.filter(user=user, purpose=purpose, closed_at__isnull=True).update(closed_at=now)
    token = secrets.token_urlsafe(32)
    row = EmailLink.objects.create(
        user=user,
        purpose=purpose,
        token_hash=_token_hash(token),
        sent_to=sent_to,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    return row, token


def _email_link_use(*, token_hash: str, purpose: str) -> EmailLink:
    """Lock and check the link (LinkInvalid when it cannot be used), then mark it used."""
    link = email_link_get(token_hash=token_hash, purpose=purpose, for_update=True)
    now = timezone.now()
    link.used_at = now
    link.closed_at = now
    link.save(update_fields=["used_at", "closed_at"])
    return link


def _activation_email_send(*, user: User, token: str) -> None:
    """The seed's bilingual activation email (Malay first, then English), whatever the page language."""
    context = {
        "id_number": mask_id_number(user.id_number),
        "email": mask_email(user.email),
        "mobile": mask_mobile(user.mobile),
        "url": _absolute(reverse("accounts:activate_link", kwargs={"token": token})),
        "hours": conf("ACCOUNTS_ACTIVATION_LINK_HOURS"),
    }
    email_send(
        to=user.email,
        subject="Pengaktifan Akaun Sistem Online PERKESO / PERKESO Online System Account Activation",
        text=render_to_string("accounts/email/activation.txt", context),
        html=render_to_string("accounts/email/activation.html", context),
        kind="activation", user=user,
    )


@transaction.atomic
def activation_link_send(*, user: User) -> EmailLink:
    """Email a new activation link to a pending account whose mobile is verified (earlier links stop working)."""
    row, token = _email_link_create(
        user=user, purpose=LinkPurpose.ACTIVATE, sent_to=user.email, hours=conf("ACCOUNTS_ACTIVATION_LINK_HOURS")
    )
    _activation_email_send(user=user, token=token)
    logger.info("activation link %s sent for account %s", row.pk, user.pk)
    return row


@transaction.atomic
def activation_link_resend(*, id_number: str) -> None:
    """"Send me a new activation link": quietly does nothing unless `id_number` has a pending account whose
    mobile was verified, so that the answer (always the same) does not tell who has an account."""
    user = (
        User.objects.select_for_update()
        .filter(id_number=id_number, is_active=False, activated_at__isnull=True, mobile_verified_at__isnull=False)
        .first()
    )
    if user is None:
        return
    try:
        activation_link_send(user=user)
    except LinkLimited:
        logger.info("activation link not resent for account %s: hourly limit", user.pk)


# --- sign-up and activation ----------------------------------------------------------------------------------------


@transaction.atomic
def account_signup_start(*, id_type: str, id_number: str, full_name: str, email: str, mobile: str) -> User:
    """Start (or restart) a sign-up and send the OTP to `mobile`.

    Sign-up is keyed on `id_number` (unique in the database):
    - no account yet: a pending one is created (inactive, no usable password); when two sign-ups for the same
      number race, the database keeps exactly one and the other gets SignupAlreadyDone;
    - an activated account: SignupAlreadyDone ("please log in");
    - a pending account (never activated): the sign-up restarts on the same row. Its details are replaced by
      the new ones, its mobile must be verified again, earlier codes and activation links stop working, and the
      OTP limits of that account apply, so restarting cannot be used to flood a phone.
    If the OTP may not be sent (OtpLimited), nothing is changed."""
    user = User.objects.select_for_update().filter(id_number=id_number).first()
    if user is not None and (user.is_active or user.activated_at is not None):
        raise SignupAlreadyDone(code="exists")
    details = {"id_type": id_type, "full_name": full_name, "email": email, "mobile": mobile}
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(id_number, None, **details)
        except IntegrityError:
            raise SignupAlreadyDone(code="race") from None
        logger.info("sign-up started: account %s", user.pk)
    else:
        for field, value in details.items():
            setattr(user, field, value)
        user.mobile_verified_at = None
        user.email_verified_at = None
        user.save(update_fields=[*details, "mobile_verified_at", "email_verified_at"])
        EmailLink.objects.filter(user=user, closed_at__isnull=True).update(closed_at=timezone.now())
        logger.info("sign-up restarted: account %s", user.pk)
    otp_issue(user=user, purpose=OtpPurpose.SIGNUP, sent_to=mobile)
    return user


def account_signup_confirm(*, user: User, code: str) -> EmailLink:
    """The OTP step: check the code, mark the mobile verified and email the activation link."""
    otp_verify(user=user, purpose=OtpPurpose.SIGNUP, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.mobile_verified_at = timezone.now()
        user.save(update_fields=["mobile_verified_at"])
        try:
            return activation_link_send(user=user)
        except LinkLimited:
            # Only reachable by many restarts within the hour; the person can ask again later.
            raise LinkInvalid(LinkLimited.default_message, code="limited") from None


@transaction.atomic
def account_activate(*, token_hash: str, secret_phrase: str, password: str) -> User:
    """Finish the sign-up from the emailed link: set the secret phrase and password and activate the account.
    The link is single use (and bound to a pending account): a second use raises LinkInvalid."""
    link = _email_link_use(token_hash=token_hash, purpose=LinkPurpose.ACTIVATE)
    user = User.objects.select_for_update().get(pk=link.user_id)
    if user.is_active or user.activated_at is not None:
        raise LinkInvalid(_("This account is already active. Please log in."), code="active")
    now = timezone.now()
    user.set_password(password)
    user.secret_phrase = secret_phrase
    user.is_active = True
    user.activated_at = now
    user.email_verified_at = now
    user.save(update_fields=["password", "secret_phrase", "is_active", "activated_at", "email_verified_at"])
    logger.info("account %s activated", user.pk)
    return user


# --- login ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def account_login_record(*, user: User) -> User:
    """Call just before `login()`: keeps the login before this one for "Last Login Successful on …"."""
    user.previous_login = user.last_login
    user.save(update_fields=["previous_login"])
    return user


# --- settings: password, secret phrase, email, mobile ----------------------------------------------------------


def _pending_changes_close(*, user: User, now) -> None:
    """Withdraw every open password reset link, email-change link and mobile-change code of the account.

    Called when the password changes: whoever held the old password (or the old session) may have started an
    email or mobile change; left open, that link would let them take the account back after the owner has
    secured it."""
    EmailLink.objects.filter(
        user=user, purpose__in=[LinkPurpose.RESET, LinkPurpose.CHANGE_EMAIL], closed_at__isnull=True
    ).update(closed_at=now)
    OneTimeCode.objects.filter(
        user=user, purpose__in=[OtpPurpose.RESET, OtpPurpose.CHANGE_MOBILE], closed_at__isnull=True
    ).update(closed_at=now)


def _security_notice_send(*, user: User, what: str) -> None:
    """Tell the account's registered email that its password or mobile number changed (nothing secret in it)."""
    if not user.email:
        return
    email_send(
        to=user.email,
        subject=_("MATRIX PERKESO: a change to your account"),
        text=render_to_string("accounts/email/security_notice.txt", {"user": user, "what": what}),
        kind="security_notice", user=user,
    )


@transaction.atomic
def password_change(*, user: User, new_password: str) -> User:
    """Set a new password (the form has checked the old one). The session hash changes, so every other session
    of the account ends; the view keeps the current one with update_session_auth_hash. Pending reset links and
    email or mobile changes are withdrawn."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _pending_changes_close(user=user, now=timezone.now())
    _security_notice_send(user=user, what=_("The password of your MATRIX account has been changed."))
    logger.info("password changed for account %s", user.pk)
    return user


@transaction.atomic
def secret_phrase_change(*, user: User, secret_phrase: str) -> User:
    user.secret_phrase = secret_phrase
    user.save(update_fields=["secret_phrase"])
    logger.info("secret phrase changed for account %s", user.pk)
    return user


@transaction.atomic
def email_change_start(*, user: User, new_email: str) -> EmailLink:
    """Email a confirmation link to the new address; the email changes only when that link is used."""
    row, token = _email_link_create(
        user=user, purpose=LinkPurpose.CHANGE_EMAIL, sent_to=new_email, hours=conf("ACCOUNTS_EMAIL_CHANGE_LINK_HOURS")
    )
    url = _absolute(reverse("accounts:email_confirm", kwargs={"token": token}))
    email_send(
        to=new_email,
        subject=_("MATRIX PERKESO: confirm your new email address"),
        text=render_to_string("accounts/email/email_change.txt", {"user": user, "url": url}),
        kind="email_change", user=user,
    )
    logger.info("email change link %s sent for account %s", row.pk, user.pk)
    return row


@transaction.atomic
def email_change_confirm(*, token_hash: str) -> User:
    link = _email_link_use(token_hash=token_hash, purpose=LinkPurpose.CHANGE_EMAIL)
    user = User.objects.select_for_update().get(pk=link.user_id)
    old_email = user.email
    user.email = link.sent_to
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email", "email_verified_at"])
    if old_email and old_email != user.email:
        email_send(
            to=old_email,
            subject=_("MATRIX PERKESO: your email address was changed"),
            text=render_to_string("accounts/email/email_changed_notice.txt", {"user": user}),
            kind="email_changed", user=user,
        )
    logger.info("email changed for account %s", user.pk)
    return user


def mobile_change_start(*, user: User, new_mobile: str) -> OneTimeCode:
    """Send an OTP to the new number; the number changes only when that code is entered."""
    return otp_issue(user=user, purpose=OtpPurpose.CHANGE_MOBILE, sent_to=new_mobile)


def mobile_change_confirm(*, user: User, code: str) -> User:
    row = otp_verify(user=user, purpose=OtpPurpose.CHANGE_MOBILE, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.mobile = row.sent_to
        user.mobile_verified_at = timezone.now()
        user.save(update_fields=["mobile", "mobile_verified_at"])
        _security_notice_send(
            user=user,
            what=_("The mobile number of your MATRIX account has been changed to %(mobile)s.")
            % {"mobile": mask_mobile(user.mobile)},
        )
    logger.info("mobile changed for account %s", user.pk)
    return user


# --- forgotten password --------------------------------------------------------------------------------------------


@transaction.atomic
def password_reset_start(*, id_number: str) -> None:
    """Email a password reset link to the registered address of an active account. Does nothing otherwise (and
    when the hourly link limit is reached), so that the page's answer never tells whether the IC has an account."""
    user = User.objects.select_for_update().filter(Q(id_number=id_number) & Q(is_active=True)).first()
    if user is None or not user.email:
        return
    try:
        row, token = _email_link_create(
            user=user, purpose=LinkPurpose.RESET, sent_to=user.email, hours=conf("ACCOUNTS_RESET_LINK_HOURS")
        )
    except LinkLimited:
        logger.info("password reset link not sent for account %s: hourly limit", user.pk)
        return
    url = _absolute(reverse("accounts:password_reset_link", kwargs={"token": token}))
    email_send(
        to=user.email,
        subject=_("MATRIX PERKESO: reset your password"),
        text=render_to_string(
            "accounts/email/password_reset.txt", {"user": user, "url": url, "hours": conf("ACCOUNTS_RESET_LINK_HOURS")}
        ),
        kind="password_reset", user=user,
    )
    logger.info("password reset link %s sent for account %s", row.pk, user.pk)


@transaction.atomic
def password_reset_complete(*, token_hash: str, new_password: str) -> User:
    """Set the new password from a reset link (single use). Every session of the account ends."""
    link = _email_link_use(token_hash=token_hash, purpose=LinkPurpose.RESET)
    user = User.objects.select_for_update().get(pk=link.user_id)
    if not user.is_active:
        raise LinkInvalid(_("This link is not valid."), code="inactive")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _pending_changes_close(user=user, now=link.used_at)
    _security_notice_send(user=user, what=_("The password of your MATRIX account has been reset."))
    logger.info("password reset for account %s", user.pk)
    return user


# --- forgotten password: a code by SMS ------------------------------------------------------------------------------

# Every refusal on the code page says this, whatever the reason (wrong, expired, used, tries run out, or no account
# for the IC), so that the page never tells whether the IC number has an account.
RESET_CODE_REFUSED = gettext_lazy(
    "The code is not correct, has expired or has been used. Please check the SMS, or ask for a new code. After 5 "
    "wrong tries a code stops working."
)


def _reset_user_get(*, id_number: str, for_update: bool = False) -> User | None:
    queryset = User.objects.select_for_update() if for_update else User.objects
    return queryset.filter(id_number=id_number, is_active=True).exclude(mobile="").first()


@transaction.atomic
def password_reset_code_send(*, id_number: str) -> None:
    """Send a 6-digit reset code by SMS to the registered mobile of an active account (the usual code rules:
    hashed, 10 minutes, 5 tries, resend cooldown, hourly limits per account and per number).

    Does nothing for an unknown IC, and nothing either when a limit applies (that refusal would show that the
    account exists): the page's answer is always the same. The per-IP limit is the view's."""
    user = _reset_user_get(id_number=id_number)
    if user is None:
        return
    try:
        row = otp_issue(user=user, purpose=OtpPurpose.RESET, sent_to=user.mobile)
    except OtpLimited as error:
        logger.info("password reset code not sent for account %s: %s", user.pk, error.code)
        return
    logger.info("password reset code %s sent for account %s", row.pk, user.pk)


def password_reset_by_code(*, id_number: str, code: str, new_password: str) -> User:
    """Set the new password when `code` is the account's open reset code (single use; wrong tries count).

    Like the reset link: every session of the account ends (its session hash changes), other open reset links
    and codes and pending email or mobile changes are withdrawn, and the registered email gets a notice. Any
    refusal raises OtpRefused with one message (RESET_CODE_REFUSED), the same for an IC without an account."""
    user = _reset_user_get(id_number=id_number)
    if user is None:
        # Same work as a real check (an HMAC), then the same refusal as a wrong code.
        _otp_hash(user_id=0, purpose=OtpPurpose.RESET, code=code or "")
        logger.info("password reset code refused: no account")
        raise OtpRefused(RESET_CODE_REFUSED, code="unknown")
    try:
        row = otp_verify(user=user, purpose=OtpPurpose.RESET, code=code)
    except OtpRefused as error:
        raise OtpRefused(RESET_CODE_REFUSED, code=error.code) from None
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            raise OtpRefused(RESET_CODE_REFUSED, code="inactive")
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _pending_changes_close(user=user, now=row.used_at)
        _security_notice_send(user=user, what=_("The password of your MATRIX account has been reset."))
    logger.info("password reset by SMS code for account %s", user.pk)
    return user
