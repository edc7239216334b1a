"""Delivery backends. Email: Django's mail framework (this outbox backend, or SMTP). SMS: outbox or an HTTP
gateway (SMS_GATEWAY_URL, bearer SMS_GATEWAY_TOKEN, JSON body {"to", "from", "text"})."""

import logging

import requests
from django.conf import settings
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


class SmsError(Exception):
    pass


def sms_deliver(*, to: str, text: str) -> None:
    backend = settings.SMS_BACKEND
    if backend == "outbox":
        OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=text)
        return
    if backend == "http":
        if not settings.SMS_GATEWAY_URL:
            raise SmsError("SMS_BACKEND=http needs SMS_GATEWAY_URL")
        response = requests.post(
            settings.SMS_GATEWAY_URL,
            json={"to": to, "from": settings.SMS_GATEWAY_SENDER, "text": text},
            headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
            timeout=settings.SMS_GATEWAY_TIMEOUT,
        )
        if response.status_code >= 300:
            # Never log the text: it may carry a one-time code.
            logger.error("SMS gateway refused a message to %s: HTTP %s", to[:4] + "…", response.status_code)
            raise SmsError(f"SMS gateway answered HTTP {response.status_code}")
        return
    raise SmsError(f"unknown SMS_BACKEND {backend!r}")
