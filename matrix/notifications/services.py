"""The one channel every other app sends through. Messages leave after the surrounding transaction commits,
so a rolled-back action never texts or mails anybody."""

import base64
from collections.abc import Iterable

from django.db import transaction

from matrix.notifications.tasks import email_send_task, sms_send_task


def sms_send(*, to: str, text: str) -> None:
    """Queue an SMS to `to` (E.164 digits) once the current transaction commits."""
    transaction.on_commit(lambda: sms_send_task.delay(to, text))


def email_send(
    *, to: str, subject: str, text: str, html: str = "", attachments: Iterable[tuple[str, bytes, str]] = ()
) -> None:
    """Queue an email once the current transaction commits. `attachments`: (file name, bytes, MIME type)."""
    encoded = [(name, base64.b64encode(content).decode("ascii"), mime) for name, content, mime in attachments]
    transaction.on_commit(lambda: email_send_task.delay(to, subject, text, html, encoded))
