"""Password guessing at the login, bounded per IC number across every address.

django-axes locks the pair (IC number, address) after a few wrong passwords; an attacker with many addresses
would still get that many guesses per address. So each IC number also has an hourly budget of answered tries,
whatever the address (ACCOUNTS_LOGIN_FAILURES_PER_HOUR, 10):

- a try takes a `LoginAttempt` row before its password is checked, under a lock on the IC number, and only
  while fewer than the budget are in the last hour (so concurrent tries from a thousand addresses cannot all
  slip in); a right password gives its row back;
- the try that spends the budget has the owner told by SMS and email (once an hour, after the commit);
- past the budget the login takes a step up: whatever the password, the page asks for a one-time code that
  is sent by SMS to the account's mobile only when the password was right. The page is the same for a right or
  wrong password and for an IC without an account, so a guess there learns nothing; the owner, who has the
  phone, still logs in. It is not a lockout: nobody can keep the owner out from elsewhere.

Unknown IC numbers are counted the same way, so the budget does not reveal who has an account either."""

import logging
import secrets
from datetime import timedelta
from hashlib import sha256

from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from matrix.accounts.conf import conf
from matrix.accounts.errors import OtpRefused
from matrix.accounts.models import LoginAttempt, OneTimeCode, OtpPurpose, User
from matrix.accounts.services import RESET_CODE_REFUSED, _otp_hash, otp_verify
from matrix.notifications.services import email_send, sms_send

logger = logging.getLogger(__name__)

# Every refusal on the login code page says this (wrong, expired, used, no code because the password was wrong,
# no account): the same words as the forgotten-password code page.
LOGIN_CODE_REFUSED = RESET_CODE_REFUSED


def _ic_lock(id_number: str) -> None:
    """Serialise the tries on one IC number until the transaction ends. PostgreSQL: an advisory lock on a hash of
    the number (no row is needed, so unknown numbers lock too). SQLite: the row inserted next takes the database's
    write lock until commit, which serialises every writer already."""
    if connection.vendor == "postgresql":
        key = int.from_bytes(sha256(b"matrix.accounts.login:" + id_number.encode()).digest()[:8], "big", signed=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _window_count(*, id_number: str, now) -> int:
    return LoginAttempt.objects.filter(id_number=id_number, created_at__gt=now - timedelta(hours=1)).count()


def login_attempt_reserve(*, id_number: str, ip_address: str) -> LoginAttempt | None:
    """Take one try from the IC number's hourly budget; None when it is spent (the login then needs a code)."""
    with transaction.atomic():
        _ic_lock(id_number)
        now = timezone.now()
        # Rows older than the hour have done their work: drop this IC's (the table stays small).
        LoginAttempt.objects.filter(id_number=id_number, created_at__lte=now - timedelta(hours=1)).delete()
        attempt = LoginAttempt.objects.create(id_number=id_number, ip_address=ip_address or None, created_at=now)
        if _window_count(id_number=id_number, now=now) > conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR"):
            transaction.set_rollback(True)
            logger.info("login step-up: the hourly budget of an IC number is spent")
            return None
    return attempt


def login_attempt_give_back(*, attempt: LoginAttempt) -> None:
    """The try was not a failure (the password was right, or the address was locked out before any check)."""
    LoginAttempt.objects.filter(pk=attempt.pk).delete()


def login_attempt_failed(*, attempt: LoginAttempt) -> bool:
    """A wrong password keeps its row. True when it spent the budget: the caller then has the owner told
    (`login_step_up_notify`, after the commit, in a task, so that the answer is the same with or without an
    account)."""
    return _window_count(id_number=attempt.id_number, now=attempt.created_at) >= conf(
        "ACCOUNTS_LOGIN_FAILURES_PER_HOUR"
    )


def login_step_up_required(*, id_number: str) -> bool:
    """True while the IC number's budget is spent (shown on the password page as a note)."""
    return _window_count(id_number=id_number, now=timezone.now()) >= conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR")


def login_password_check(*, id_number: str, password: str) -> User | None:
    """The password check of a stepped-up login: the active account when the password is right, else None.

    The same work for an IC without an account (a password hash, as Django's ModelBackend does). It bypasses
    django-axes on purpose: its answer is never shown (the page asks for a code either way), so it gives a
    guesser nothing, and an address locked by axes must not tell a right password from a wrong one."""
    user = User.objects.filter(id_number=id_number, is_active=True).first()
    if user is None:
        User().set_password(password)
        return None
    return user if user.check_password(password) else None


def login_code_send(*, user_id: int | None) -> None:
    """Send the login code by SMS to the account's registered mobile (the task behind a right password at the
    step up). Quietly nothing when there is no such account or a code limit applies."""
    user = User.objects.filter(pk=user_id, is_active=True).exclude(mobile="").first() if user_id else None
    if user is None:
        return
    row = _login_code_issue(user=user)
    if row is not None:
        logger.info("login code %s sent for account %s", row.pk, user.pk)


@transaction.atomic
def _login_code_issue(*, user: User) -> OneTimeCode | None:
    """`otp_issue` for login codes, with limits that count login codes only. A login code is sent only after the
    right password, so a stranger cannot spend these limits; if the codes of other purposes counted (the
    forgotten-password codes anyone can ask for, 5 an hour per account and per number), a stranger could spend
    them and keep the owner out of a stepped-up login for an hour. Same rules otherwise: resend cooldown, a pause
    after the tries of a code ran out, ACCOUNTS_OTP_PER_ACCOUNT_PER_HOUR codes an hour."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one issuer per account at a time
    now = timezone.now()
    recent = OneTimeCode.objects.filter(user=user, purpose=OtpPurpose.LOGIN, created_at__gt=now - timedelta(hours=1))
    latest = recent.order_by("-created_at", "-pk").first()
    if latest is not None:
        if latest.created_at + timedelta(seconds=conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS")) > now:
            return None
        locked_until = (latest.closed_at or now) + timedelta(seconds=conf("ACCOUNTS_OTP_LOCK_SECONDS"))
        if latest.attempts >= conf("ACCOUNTS_OTP_MAX_ATTEMPTS") and locked_until > now:
            return None
    if recent.count() >= conf("ACCOUNTS_OTP_PER_ACCOUNT_PER_HOUR"):
        return None
    OneTimeCode.objects.filter(user=user, purpose=OtpPurpose.LOGIN, closed_at__isnull=True).update(closed_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = OneTimeCode.objects.create(
        user=user, purpose=OtpPurpose.LOGIN, code_hash=_otp_hash(user_id=user.pk, purpose=OtpPurpose.LOGIN, code=code),
        sent_to=user.mobile, created_at=now, expires_at=now + timedelta(seconds=conf("ACCOUNTS_OTP_TTL_SECONDS")),
    )
    sms_send(
        to=user.mobile,
        text=_("MATRIX PERKESO: your one-time code is %(code)s. It expires in %(minutes)d minutes. "
               "Never share it with anyone.") % {"code": code, "minutes": conf("ACCOUNTS_OTP_TTL_SECONDS") // 60},
        kind="one_time_code", event_key=f"one-time-code-{row.pk}", user=user,
    )
    return row


def login_code_confirm(*, user_id: int | None, code: str) -> User:
    """Check the login code of a stepped-up login. Any refusal raises OtpRefused with one message, the same when
    the password was wrong (no account to check against) as for a wrong code."""
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        raise OtpRefused(LOGIN_CODE_REFUSED, code="no_password")
    try:
        otp_verify(user=user, purpose=OtpPurpose.LOGIN, code=code)
    except OtpRefused as error:
        raise OtpRefused(LOGIN_CODE_REFUSED, code=error.code) from None
    return user


@transaction.atomic
def login_step_up_notify(*, id_number: str) -> None:
    """Tell the owner (SMS and email, at most once an hour) that their IC number met many wrong passwords and
    that logging in now needs a code. Nothing for an IC number without an account."""
    user = User.objects.filter(id_number=id_number, is_active=True).first()
    if user is None:
        return
    hour = timezone.now().strftime("%Y%m%d%H")
    limit = conf("ACCOUNTS_LOGIN_FAILURES_PER_HOUR")
    if user.mobile:
        sms_send(
            to=user.mobile,
            text=_("MATRIX PERKESO: %(n)d wrong passwords were entered for your account in the last hour. For your "
                   "safety, logging in now also needs a code sent to this mobile. If this was not you, change your "
                   "password.") % {"n": limit},
            kind="accounts.login_step_up", event_key=f"accounts.login_step_up.sms:{user.pk}:{hour}", user=user,
        )
    if user.email:
        email_send(
            to=user.email,
            subject=_("MATRIX PERKESO: many wrong passwords for your account"),
            text=render_to_string("accounts/email/login_step_up.txt", {"user": user, "limit": limit}),
            kind="accounts.login_step_up", event_key=f"accounts.login_step_up.email:{user.pk}:{hour}", user=user,
        )
    logger.info("account %s told of its login step-up", user.pk)
