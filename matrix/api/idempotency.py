"""`Idempotency-Key` on every mutating POST.

- A repeat with the same key and the same input answers the first answer (status and body, with the header
  `Idempotent-Replayed: true`) and does nothing again.
- The same key with other input (or on another operation) is refused: 422 `idempotency_key_reused`.
- A key is kept 24 hours (API_IDEMPOTENCY_SECONDS); after that it may be used again.
- Concurrent requests with one key act once: the record is inserted in the transaction of the action itself, so
  the database's unique constraint (scope, key) makes the second insert wait for the first transaction, then
  fail; the second request then answers the first one's stored answer.

Keys are scoped to the account (or, before login, to the operation): one person's key never meets another's
answer. The stored answer is encrypted with a key derived from the request's input, so a stored login answer
(tokens) can only be read by a repeat of that very request (which carries the password)."""

import base64
import functools
import hashlib
import json
import logging
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from matrix.api.errors import ApiError, Invalid, error_response
from matrix.api.models import IdempotencyRecord

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 255
# Answers that are not "the answer" to the request (a rate limit): the same key may be sent again later. What the
# request did (a failed password counted for the lockout) is kept all the same.
NOT_STORED = {429}


def ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "API_IDEMPOTENCY_SECONDS", 24 * 60 * 60))


def _canonical(value):
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    return value


def request_canonical(operation: str, kwargs: dict) -> str:
    """The operation and its parsed input (path, query, body, files by content) as one stable string."""
    return json.dumps({"operation": operation, "input": _canonical(kwargs)}, sort_keys=True, cls=DjangoJSONEncoder)


def _fingerprint(canonical: str) -> str:
    return salted_hmac("matrix.api.idempotency.fingerprint", canonical, algorithm="sha256").hexdigest()


def _fernet(canonical: str) -> Fernet:
    raw = salted_hmac("matrix.api.idempotency.body", canonical, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def as_response(result) -> HttpResponse:
    """What a handler returns, as an HTTP response: (status, payload) or a payload (200), or a response."""
    if isinstance(result, HttpResponse):
        return result
    status, payload = result if isinstance(result, tuple) else (200, result)
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json", by_alias=True)
    return JsonResponse(payload, status=status, encoder=DjangoJSONEncoder, safe=False)


def _call(func, request, args, kwargs) -> HttpResponse:
    try:
        return as_response(func(request, *args, **kwargs))
    except ApiError as error:
        return error_response(error)


def _replay(record: IdempotencyRecord, canonical: str) -> HttpResponse:
    try:
        body = _fernet(canonical).decrypt(record.body_encrypted.encode())
    except InvalidToken:  # cannot happen for a matching fingerprint; never hand out a wrong answer
        raise ApiError(_("This Idempotency-Key cannot be replayed. Use a new key."), code="idempotency_key_reused",
                       status=422) from None
    response = HttpResponse(body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _reused() -> Invalid:
    return Invalid(_("This Idempotency-Key was already used for another request. Use a new key for each new "
                     "request."), code="idempotency_key_reused")


def _scope(request, operation: str) -> str:
    session = getattr(request, "api_session", None)
    if session is not None:
        return f"user:{session.user_id}"
    return f"anon:{operation}"[:80]


def _claim(*, scope: str, key: str, operation: str, fingerprint: str):
    """Insert the record (returns (record, None)), or find the first request's (returns (None, record)). Runs
    inside the action's transaction: on PostgreSQL a concurrent insert of the same key waits here for the first
    transaction to end."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, operation=operation, fingerprint=fingerprint, created_at=now,
                    expires_at=now + ttl(),
                )
            return record, None
        except IntegrityError:
            existing = IdempotencyRecord.objects.select_for_update().filter(scope=scope, key=key).first()
            if existing is None:  # the first request rolled back meanwhile: try again
                continue
            if existing.expires_at <= now:
                existing.delete()
                continue
            return None, existing
    raise ApiError(_("Another request with this Idempotency-Key is in progress. Please try again."),
                   code="idempotency_key_busy", status=409)


def idempotent(func):
    """Decorate a mutating POST handler (below the router's decorator). The handler runs in one transaction."""
    operation = f"{func.__module__.rsplit('.', 1)[-1]}.{func.__name__}"

    @functools.wraps(func)
    def wrapper(request, *args, **kwargs):
        key = (request.headers.get(HEADER) or "").strip()
        if not key:
            with transaction.atomic():
                return _call(func, request, args, kwargs)
        if len(key) > KEY_MAX_LENGTH or not key.isprintable():
            return error_response(Invalid(_("An Idempotency-Key has 1 to 255 printable characters."),
                                          code="idempotency_key_invalid", fields={HEADER: [
                                              _("An Idempotency-Key has 1 to 255 printable characters.")]}))
        canonical = request_canonical(operation, kwargs)
        fingerprint = _fingerprint(canonical)
        try:
            with transaction.atomic():
                record, first = _claim(scope=_scope(request, operation), key=key, operation=operation,
                                       fingerprint=fingerprint)
                if first is not None:
                    if first.fingerprint != fingerprint:
                        raise _reused()
                    if first.status_code is None:  # cannot be seen committed; be safe
                        raise ApiError(_("Another request with this Idempotency-Key is in progress. Please try "
                                         "again."), code="idempotency_key_busy", status=409)
                    logger.info("idempotent replay of %s (%s)", operation, first.pk)
                    return _replay(first, canonical)
                response = _call(func, request, args, kwargs)
                if response.status_code in NOT_STORED or response.status_code >= 500:
                    record.delete()
                    return response
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "application/json")
                record.body_encrypted = _fernet(canonical).encrypt(response.content).decode()
                record.save(update_fields=["status_code", "content_type", "body_encrypted"])
                return response
        except ApiError as error:
            return error_response(error)

    return wrapper


def idempotency_purge(*, now=None) -> int:
    """Delete records past their 24 hours (lookups ignore them anyway)."""
    deleted, _detail = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
