"""Delivery backends: they hand one message to its provider and return the provider's id, or raise DeliveryError.

Email: Django's mail framework (this outbox backend on the embedded default, SMTP in production).
SMS: the outbox, or an HTTP gateway (see `sms_deliver`)."""

import logging
import smtplib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from matrix.notifications.models import OutboxMessage

logger = logging.getLogger(__name__)


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", []) or []:
                if mimetype == "text/html":
                    html = content
            for recipient in message.recipients():
                OutboxMessage.objects.create(
                    channel=OutboxMessage.Channel.EMAIL,
                    to=recipient,
                    subject=message.subject,
                    body=message.body,
                    html_body=html,
                )
        return len(email_messages)


class DeliveryError(Exception):
    """A provider did not take the message. `permanent`: retrying cannot help (e.g. a refused number)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


# Kept for callers of the old name.
SmsError = DeliveryError


@dataclass(frozen=True)
class Outgoing:
    """What a backend needs: `reference` is the message's stable id (the gateway's idempotency key, the email's
    Message-ID), the same on every attempt, so a provider that already took it can drop a repeat."""

    reference: str
    to: str
    text: str
    subject: str = ""
    html: str = ""
    attachments: tuple = ()


def sms_deliver(outgoing: Outgoing) -> str:
    backend = settings.SMS_BACKEND
    if backend == "outbox":
        row = OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=outgoing.to, body=outgoing.text)
        return f"outbox-{row.pk}"
    if backend == "http":
        return _sms_gateway_post(outgoing)
    raise DeliveryError(f"unknown SMS_BACKEND {backend!r}", permanent=True)


def _sms_gateway_post(outgoing: Outgoing) -> str:
    """POST {"to", "from", "text", "reference"} as JSON with `Authorization: Bearer SMS_GATEWAY_TOKEN`; a 2xx
    answer carries the gateway's message id as JSON {"id": "..."}. 4xx other than 408/429 are permanent
    refusals; 5xx, 408, 429, timeouts and connection errors are retried."""
    if not settings.SMS_GATEWAY_URL:
        raise DeliveryError("SMS_BACKEND=http needs SMS_GATEWAY_URL")
    try:
        response = requests.post(
            settings.SMS_GATEWAY_URL,
            json={"to": outgoing.to, "from": settings.SMS_GATEWAY_SENDER, "text": outgoing.text,
                  "reference": outgoing.reference},
            headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )
    except requests.Timeout as exc:
        raise DeliveryError(f"SMS gateway timed out after {settings.SMS_GATEWAY_TIMEOUT} s") from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"SMS gateway unreachable: {type(exc).__name__}") from exc
    if response.status_code >= 300:
        # Never the text in an error: it may carry a one-time code.
        permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
        raise DeliveryError(f"SMS gateway answered HTTP {response.status_code}", permanent=permanent)
    try:
        provider_id = str(response.json()["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError("SMS gateway answered without a message id") from exc
    if not provider_id:
        raise DeliveryError("SMS gateway answered without a message id")
    return provider_id[:200]


def email_deliver(outgoing: Outgoing) -> str:
    """Send through Django's EMAIL_BACKEND; the Message-ID (from the reference) is the provider id."""
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "matrix.local"
    message_id = f"<{outgoing.reference}@{domain}>"
    message = EmailMultiAlternatives(
        subject=outgoing.subject, body=outgoing.text, to=[outgoing.to], headers={"Message-ID": message_id}
    )
    if outgoing.html:
        message.attach_alternative(outgoing.html, "text/html")
    for name, content, mimetype in outgoing.attachments:
        message.attach(name, content, mimetype)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError("mail server refused the recipient", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"mail server answered {exc.smtp_code}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"mail server unreachable: {type(exc).__name__}") from exc
    return message_id
