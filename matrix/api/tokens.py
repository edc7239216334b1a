"""API tokens: a short-lived access token and a longer refresh token per login (an ApiSession row).

Tokens are 256-bit random strings handed to the client once; only their SHA-256 is kept. A refresh rotates both
(the old refresh token stops working at once). Logout ends the session; a password change ends every session of
the account (signals.py), and a session is refused anyway once the password it was issued under has changed."""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from matrix.api.models import ApiSession

logger = logging.getLogger(__name__)

ACCESS_PREFIX = "mxa_"
REFRESH_PREFIX = "mxr_"


def access_ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "API_ACCESS_TOKEN_SECONDS", 15 * 60))


def refresh_ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "API_REFRESH_TOKEN_SECONDS", 30 * 24 * 60 * 60))


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def password_fingerprint(user) -> str:
    return salted_hmac("matrix.api.password", user.password or "", algorithm="sha256").hexdigest()


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    session: ApiSession


def _new_tokens() -> tuple[str, str]:
    return ACCESS_PREFIX + secrets.token_urlsafe(32), REFRESH_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def api_session_start(*, user, client_ip: str | None = None) -> TokenPair:
    """A new API login for `user` (whose password has just been checked)."""
    now = timezone.now()
    access, refresh = _new_tokens()
    session = ApiSession.objects.create(
        user=user, access_hash=token_hash(access), access_expires_at=now + access_ttl(),
        refresh_hash=token_hash(refresh), refresh_expires_at=now + refresh_ttl(),
        password_fingerprint=password_fingerprint(user), created_at=now, client_ip=client_ip or None,
    )
    logger.info("API session %s started for account %s", session.pk, user.pk)
    return TokenPair(access, session.access_expires_at, refresh, session.refresh_expires_at, session)


def _usable(session: ApiSession | None) -> bool:
    return (
        session is not None
        and session.revoked_at is None
        and session.user.is_active
        and constant_time_compare(session.password_fingerprint, password_fingerprint(session.user))
    )


def api_session_for_access(*, token: str, now: datetime | None = None) -> ApiSession | None:
    """The live session whose access token is `token`, or None (unknown, expired, revoked, password changed)."""
    if not token or not token.startswith(ACCESS_PREFIX):
        return None
    now = now or timezone.now()
    session = ApiSession.objects.select_related("user").filter(access_hash=token_hash(token)).first()
    if not _usable(session) or session.access_expires_at <= now:
        return None
    return session


@transaction.atomic
def api_session_refresh(*, refresh_token: str) -> TokenPair | None:
    """New tokens for a live session's refresh token, replacing both old ones; None when it cannot be used."""
    if not refresh_token or not refresh_token.startswith(REFRESH_PREFIX):
        return None
    now = timezone.now()
    session = (
        ApiSession.objects.select_for_update(of=("self",)).select_related("user")
        .filter(refresh_hash=token_hash(refresh_token)).first()
    )
    if not _usable(session) or session.refresh_expires_at <= now:
        return None
    access, refresh = _new_tokens()
    session.access_hash = token_hash(access)
    session.access_expires_at = now + access_ttl()
    session.refresh_hash = token_hash(refresh)
    session.refresh_expires_at = now + refresh_ttl()
    session.refreshed_at = now
    session.save(update_fields=["access_hash", "access_expires_at", "refresh_hash", "refresh_expires_at",
                                "refreshed_at"])
    logger.info("API session %s refreshed", session.pk)
    return TokenPair(access, session.access_expires_at, refresh, session.refresh_expires_at, session)


@transaction.atomic
def api_session_revoke(*, session: ApiSession, reason: str = "logout") -> None:
    ApiSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    logger.info("API session %s revoked (%s)", session.pk, reason)


@transaction.atomic
def api_sessions_revoke_all(*, user_id: int, reason: str) -> int:
    count = ApiSession.objects.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    if count:
        logger.info("%d API sessions of account %s revoked (%s)", count, user_id, reason)
    return count


def api_sessions_revoke_stale(*, user) -> int:
    """Revoke the account's live sessions issued under another password than the current one."""
    current = password_fingerprint(user)
    stale = [
        pk for pk, fingerprint in ApiSession.objects.filter(user_id=user.pk, revoked_at__isnull=True)
        .values_list("pk", "password_fingerprint")
        if not constant_time_compare(fingerprint, current)
    ]
    if not stale:
        return 0
    return ApiSession.objects.filter(pk__in=stale, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason="password_changed"
    )
