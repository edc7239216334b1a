"""The one channel every other app sends through: durable messages.

`sms_send` and `email_send` write a `Message` row in the caller's transaction (so a rolled-back action sends
nothing, and a committed one cannot lose its message) and publish a Celery task once it commits. Publishing is
best effort: with the broker down the row simply stays QUEUED and `messages_sweep` publishes it later.

The task (`message_deliver`) claims the row with a conditional UPDATE (QUEUED → SENDING: one claimer wins), hands
it to the SMS gateway or the mail backend without holding a transaction, then marks it SENT (body blanked) or
back to QUEUED with the next attempt time from MESSAGES_RETRY_SCHEDULE, or FAILED after the last attempt.
A worker killed mid-send leaves SENDING; once the lease (MESSAGES_LEASE_SECONDS) runs out the sweep queues it
again. The message's `reference` goes to the provider on every attempt, so a provider that already took it can
drop the repeat: one event, one SMS."""

import base64
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from matrix.notifications.backends import DeliveryError, Outgoing, email_deliver, sms_deliver
from matrix.notifications.crypto import body_decrypt, body_encrypt
from matrix.notifications.models import Message

logger = logging.getLogger(__name__)

# Publishing to a broker that is down must not hold the person's request for long.
_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def sms_send(
    *, to: str, text: str, kind: str = "", language: str | None = None, event_key: str | None = None, user=None
) -> Message:
    """Queue an SMS to `to` (E.164 digits); it leaves once the current transaction commits.

    `event_key`: one message per key, ever (a second call returns the first message and sends nothing)."""
    return _message_create(
        channel=Message.Channel.SMS, to=to, payload={"text": text}, subject="", kind=kind, language=language,
        event_key=event_key, user=user,
    )


def email_send(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Iterable[tuple[str, bytes, str]] = (),
    kind: str = "",
    language: str | None = None,
    event_key: str | None = None,
    user=None,
) -> Message:
    """Queue an email once the current transaction commits. `attachments`: (file name, bytes, MIME type)."""
    encoded = [[name, base64.b64encode(content).decode("ascii"), mime] for name, content, mime in attachments]
    return _message_create(
        channel=Message.Channel.EMAIL, to=to, payload={"text": text, "html": html, "attachments": encoded},
        subject=subject, kind=kind, language=language, event_key=event_key, user=user,
    )


def _message_create(
    *, channel: str, to: str, payload: dict, subject: str, kind: str, language: str | None, event_key: str | None,
    user,
) -> Message:
    if event_key:
        existing = Message.objects.filter(event_key=event_key).first()
        if existing is not None:
            return existing
    now = timezone.now()
    fields = {
        "channel": channel,
        "recipient": to,
        "user_id": getattr(user, "pk", user),
        "kind": kind[:64],
        "language": (language or translation.get_language() or settings.LANGUAGE_CODE)[:8],
        "subject": subject[:300],
        "body_encrypted": body_encrypt(payload),
        "event_key": event_key or None,
        "created_at": now,
        # Not claimed by then (its task was lost), the sweep publishes it again; a failed publish makes it due at once.
        "next_attempt_at": now + timedelta(seconds=settings.MESSAGES_SWEEP_GRACE_SECONDS),
    }
    if event_key:
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin may have inserted the same key
                message = Message.objects.create(**fields)
        except IntegrityError:
            existing = Message.objects.filter(event_key=event_key).first()
            if existing is None:
                raise
            return existing
    else:
        message = Message.objects.create(**fields)
    transaction.on_commit(partial(message_publish, message_id=message.pk))
    return message


def messages_bulk_create(*, specs: list[dict], now: datetime | None = None, publish: bool = True) -> list[int]:
    """Many messages in one INSERT (the renewal reminder job): each spec has channel, to, payload, subject, kind,
    language, event_key and user_id. They are published after the commit, like `sms_send`'s; with `publish`
    False they wait for the sweep. The caller makes the event keys new (a repeated key fails the whole insert)."""
    if not specs:
        return []
    now = now or timezone.now()
    rows = [
        Message(
            channel=spec["channel"], recipient=spec["to"], user_id=spec.get("user_id"), kind=spec.get("kind", "")[:64],
            language=(spec.get("language") or settings.LANGUAGE_CODE)[:8], subject=spec.get("subject", "")[:300],
            body_encrypted=body_encrypt(spec["payload"]), event_key=spec.get("event_key") or None, created_at=now,
            next_attempt_at=now + timedelta(seconds=settings.MESSAGES_SWEEP_GRACE_SECONDS),
        )
        for spec in specs
    ]
    Message.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    if None in ids:  # a database that cannot return ids from a bulk insert
        keys = [row.event_key for row in rows]
        ids = list(Message.objects.filter(event_key__in=keys).values_list("pk", flat=True))
    if publish:
        transaction.on_commit(partial(_messages_publish, ids=ids))
    return ids


def _messages_publish(*, ids: list[int]) -> None:
    for index, message_id in enumerate(ids):
        if not message_publish(message_id=message_id):
            _due_now(ids=ids[index:])  # the broker is down: the sweep publishes the rest
            return


def message_publish(*, message_id: int) -> bool:
    """Hand the message to Celery (run in-process when tasks are eager). Never raises: on a broker outage the row
    stays QUEUED, due at once, for the sweep to publish when the broker is back; the person's request carries on."""
    from matrix.notifications.tasks import message_send

    try:
        message_send.apply_async(
            args=[message_id], queue=settings.MESSAGES_QUEUE or None, retry=True, retry_policy=_PUBLISH_RETRY_POLICY
        )
    except Exception as exc:  # the broker's errors are many (kombu, redis, amqp, OSError)
        logger.warning("message %s not published (%s); the sweep will publish it", message_id, type(exc).__name__)
        _due_now(ids=[message_id])
        return False
    return True


def _due_now(*, ids: list[int]) -> None:
    try:
        Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(next_attempt_at=timezone.now())
    except Exception:  # the database may be what failed; the grace time still brings the sweep back to it
        logger.exception("messages %s could not be marked due", ids[:10])


def _max_attempts() -> int:
    return len(settings.MESSAGES_RETRY_SCHEDULE) + 1


def message_deliver(*, message_id: int) -> str | None:
    """Claim, send and record one message. Returns its new status, or None when another worker has it or it is
    no longer queued."""
    now = timezone.now()
    claimed = Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(
        status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, next_attempt_at=None
    )
    if not claimed:
        return None
    message = Message.objects.get(pk=message_id)
    attempt = message.attempts  # the fencing token of this claim: a later claim has a higher number
    error, permanent, provider_id = "", False, ""
    try:
        payload = body_decrypt(message.body_encrypted)
        outgoing = Outgoing(
            reference=str(message.reference),
            to=message.recipient,
            text=payload["text"],
            subject=message.subject,
            html=payload.get("html", ""),
            attachments=tuple(
                (name, base64.b64decode(data), mime) for name, data, mime in payload.get("attachments", [])
            ),
        )
        deliver = sms_deliver if message.channel == Message.Channel.SMS else email_deliver
        provider_id = deliver(outgoing)
    except DeliveryError as exc:
        error, permanent = str(exc), exc.permanent
    except InvalidToken:
        error, permanent = "the body cannot be decrypted (MESSAGES_ENCRYPTION_KEY changed?)", True
    except Exception as exc:
        logger.exception("message %s: unexpected error while sending", message_id)
        error = f"{type(exc).__name__}: {str(exc)[:300]}"

    mine = Message.objects.filter(pk=message_id, status=Message.Status.SENDING, attempts=attempt)
    done = timezone.now()
    if not error:
        status = Message.Status.SENT
        updated = mine.update(
            status=status, provider_id=provider_id, sent_at=done, body_encrypted="", last_error=""
        )
    elif permanent or attempt >= _max_attempts():
        status = Message.Status.FAILED
        updated = mine.update(status=status, last_error=error[:1000], body_encrypted="")
    else:
        status = Message.Status.QUEUED
        delay = settings.MESSAGES_RETRY_SCHEDULE[attempt - 1]
        updated = mine.update(status=status, last_error=error[:1000], next_attempt_at=done + timedelta(seconds=delay))
    if not updated:
        logger.warning("message %s: attempt %s finished after its lease was taken over", message_id, attempt)
        return None
    log = logger.info if status == Message.Status.SENT else logger.warning
    log("message %s (%s %s) attempt %s: %s%s", message_id, message.channel, message.kind or "-", attempt, status,
        f" ({error})" if error else "")
    return status


def messages_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic safety net: re-queue SENDING rows whose lease ran out (a worker died mid-send; FAILED when no
    attempt is left), then publish QUEUED rows that are due (retries, and rows a broker outage left behind)."""
    now = now or timezone.now()
    lease_cutoff = now - timedelta(seconds=settings.MESSAGES_LEASE_SECONDS)
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=lease_cutoff)
    failed = stale.filter(attempts__gte=_max_attempts()).update(
        status=Message.Status.FAILED, last_error="the worker was lost while sending; no attempt left",
        body_encrypted="",
    )
    requeued = stale.update(
        status=Message.Status.QUEUED, next_attempt_at=now, last_error="the worker was lost while sending"
    )
    published = 0
    grace = timedelta(seconds=settings.MESSAGES_SWEEP_GRACE_SECONDS)
    due = Message.objects.filter(status=Message.Status.QUEUED).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    )
    for _batch in range(20):
        ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[: settings.MESSAGES_SWEEP_BATCH])
        if not ids:
            break
        Message.objects.filter(pk__in=ids, status=Message.Status.QUEUED).update(next_attempt_at=now + grace)
        for index, message_id in enumerate(ids):
            if not message_publish(message_id=message_id):
                _due_now(ids=ids[index:])
                logger.warning("messages sweep stopped: the broker is unavailable")
                return {"requeued": requeued, "failed": failed, "published": published}
            published += 1
    if requeued or failed or published:
        logger.info("messages sweep: %s re-queued, %s failed, %s published", requeued, failed, published)
    return {"requeued": requeued, "failed": failed, "published": published}


_RECEIPT_STATUSES = {
    "delivered": Message.Status.DELIVERED,
    "undelivered": Message.Status.UNDELIVERED,
    "failed": Message.Status.UNDELIVERED,
    "rejected": Message.Status.UNDELIVERED,
    "expired": Message.Status.UNDELIVERED,
}


class ReceiptUnknown(Exception):
    pass


class ReceiptEarly(Exception):
    """The receipt arrived before the worker recorded the gateway's answer: the gateway should send it again."""


def sms_receipt_record(*, provider_id: str, status: str, reference: str = "") -> Message | None:
    """Record a delivery receipt of the SMS gateway. A status that is not final (e.g. "accepted") is ignored;
    the first final status stays (a repeated receipt changes nothing). Returns the message, or None if ignored."""
    final = _RECEIPT_STATUSES.get(status.strip().lower())
    lookup = Q(provider_id=provider_id) if provider_id else Q(pk__in=[])
    if reference:
        lookup |= Q(reference=reference) if _is_uuid(reference) else Q(pk__in=[])
    message = Message.objects.filter(lookup, channel=Message.Channel.SMS).first()
    if message is None:
        raise ReceiptUnknown
    if final is None:
        return None
    if message.status in Message.WAITING:
        raise ReceiptEarly
    Message.objects.filter(pk=message.pk, status=Message.Status.SENT).update(status=final, receipt_at=timezone.now())
    message.refresh_from_db()
    return message


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
