"""Accounts reads."""

import hashlib
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from matrix.accounts.conf import conf
from matrix.accounts.errors import LinkInvalid
from matrix.accounts.models import EmailLink, OneTimeCode, User
from matrix.accounts.phrases import secret_phrase_made_up
from matrix.core.kltime import kl
from matrix.core.rows import model_columns, model_from_row

_USER_SQL = (f"SELECT {', '.join(model_columns(User))} FROM {connection.ops.quote_name(User._meta.db_table)}"  # noqa: S608 - the model's names
             " WHERE id = %s")


def user_by_pk(pk) -> User | None:
    """The user `pk` (any value a session may hold), as User.objects.get(pk=pk) would load it, or None. A
    statement written once: the per-request user load no longer compiles a queryset (two thirds of its cost)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_USER_SQL, [pk])
        row = cursor.fetchone()
    return None if row is None else model_from_row(User, row)[0]


def user_active_get(*, id_number: str) -> User | None:
    return User.objects.filter(id_number=id_number, is_active=True).first()


def user_pending_get(*, pk: int) -> User | None:
    """A sign-up in progress (never activated)."""
    return User.objects.filter(pk=pk, is_active=False, activated_at__isnull=True).first()


def user_signup_pending_get(*, id_number: str, mobile: str) -> User | None:
    """The sign-up in progress (never activated) for this IC number and mobile, if any."""
    return User.objects.filter(id_number=id_number, mobile=mobile, is_active=False, activated_at__isnull=True).first()


def user_signed_up(*, id_number: str) -> bool:
    """True when `id_number` holds an activated account (sign-up must send the person to log in)."""
    return User.objects.filter(id_number=id_number, activated_at__isnull=False).exists()


def login_secret_phrase(*, id_number: str) -> str:
    """The phrase shown at the login's password step: the account's own, or for an unknown IC (or an account
    without a phrase yet) a stable made-up one of the same shape, so the page reveals nothing."""
    phrase = (
        User.objects.filter(id_number=id_number, is_active=True).exclude(secret_phrase="")
        .values_list("secret_phrase", flat=True).first()
    )
    return phrase or secret_phrase_made_up(id_number=id_number)


def last_login_display(*, user: User) -> str:
    """`2019-12-27 14:35:47` (Kuala Lumpur): the login before this one, or this one on a first login."""
    moment = user.previous_login or user.last_login
    return kl(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def otp_latest(*, user: User, purpose: str) -> OneTimeCode | None:
    return OneTimeCode.objects.filter(user=user, purpose=purpose).order_by("-created_at", "-pk").first()


def otp_resend_at(*, user: User, purpose: str) -> datetime | None:
    """When a new code may be asked for (end of the cooldown), or None if it may be asked for now."""
    latest = otp_latest(user=user, purpose=purpose)
    if latest is None:
        return None
    ready = latest.created_at + timedelta(seconds=conf("ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS"))
    return ready if ready > timezone.now() else None


def email_link_token_hash(token: str) -> str:
    """What is kept of a link's token (in the database and in the session): its SHA-256."""
    return hashlib.sha256((token or "").encode()).hexdigest()


def email_link_get(*, token_hash: str, purpose: str, for_update: bool = False) -> EmailLink:
    """The usable link whose token hashes to `token_hash`, or LinkInvalid saying why not (unknown, used,
    replaced, expired)."""
    queryset = EmailLink.objects.select_related("user")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    link = queryset.filter(token_hash=token_hash, purpose=purpose).first() if token_hash else None
    if link is None:
        raise LinkInvalid(_("This link is not valid. Please check that you copied the whole link."), code="unknown")
    if link.used_at is not None:
        raise LinkInvalid(_("This link has already been used."), code="used")
    if link.closed_at is not None:
        raise LinkInvalid(_("A newer link has been sent since this one. Please use the newest link."), code="replaced")
    if link.expires_at <= timezone.now():
        raise LinkInvalid(_("This link has expired."), code="expired")
    return link
