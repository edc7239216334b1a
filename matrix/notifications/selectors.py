from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from matrix.notifications.models import Message, OutboxMessage


def outbox_list(*, to: str | None = None, limit: int = 200):
    messages = OutboxMessage.objects.all()
    if to:
        messages = messages.filter(to=to)
    return messages[:limit]


def messages_count_by_status() -> dict[str, int]:
    """Messages per status (for metrics and health pages): every status present, 0 when none."""
    counts = dict.fromkeys(Message.Status.values, 0)
    for row in Message.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def message_history(*, user, limit: int = 100):
    """A person's own messages, newest first: what, when, through which channel, and whether it was delivered.
    The body is never shown (it is blanked once sent)."""
    return (
        Message.objects.filter(user=user)
        .only("channel", "recipient", "kind", "language", "subject", "status", "created_at", "sent_at", "receipt_at")
        .order_by("-created_at", "-pk")[:limit]
    )


# What a person reads in their message history: the kind of each message, its channel and whether it arrived.
KIND_LABELS = {
    "one_time_code": _("One-time code"),
    "activation": _("Account activation link"),
    "password_reset": _("Password reset link"),
    "security_notice": _("Change to your account"),
    "email_change": _("New email address confirmation"),
    "email_changed": _("Email address changed"),
    "receipt": _("Payment receipt"),
    "payment_approved": _("Payment approved"),
    "payment_approved_late": _("Payment approved after a failure"),
    "payment_failed": _("Payment failed"),
    "registration_rejected": _("Registration rejected"),
    "refund_approved": _("Refund approved"),
    "refund_paid": _("Refund paid"),
    "renewal_reminder_d30": _("Renewal reminder: 30 days before"),
    "renewal_reminder_d7": _("Renewal reminder: 7 days before"),
    "renewal_reminder_d1": _("Renewal reminder: 1 day before"),
    "cover_lapsed_lapsed": _("Cover lapsed"),
}
CHANNEL_LABELS = {Message.Channel.SMS: _("SMS"), Message.Channel.EMAIL: _("Email")}
STATUS_LABELS = {
    Message.Status.QUEUED: _("Waiting to be sent"),
    Message.Status.SENDING: _("Waiting to be sent"),
    Message.Status.SENT: _("Sent"),
    Message.Status.DELIVERED: _("Delivered"),
    Message.Status.UNDELIVERED: _("Not delivered"),
    Message.Status.FAILED: _("Could not be sent"),
}


@dataclass(frozen=True)
class HistoryRow:
    created_at: datetime
    sent_at: datetime | None
    channel: str
    channel_label: str
    what: str
    to: str
    status: str
    status_label: str


def recipient_masked(channel: str, recipient: str) -> str:
    """`6010*****65`, `a***@example.com`: enough to recognise, not to read out."""
    if channel == Message.Channel.SMS:
        return recipient[:4] + "*" * max(len(recipient) - 6, 0) + recipient[-2:] if len(recipient) > 6 else recipient
    name, _at, domain = recipient.partition("@")
    return f"{name[:1]}***@{domain}" if domain else recipient


def message_history_rows(*, user, limit: int = 100) -> list[HistoryRow]:
    """`message_history` as the person's page shows it (labels in the current language)."""
    return [
        HistoryRow(
            created_at=message.created_at, sent_at=message.sent_at, channel=message.channel,
            channel_label=str(CHANNEL_LABELS.get(message.channel, message.channel)),
            what=str(KIND_LABELS.get(message.kind, _("Message"))),
            to=recipient_masked(message.channel, message.recipient),
            status=message.status, status_label=str(STATUS_LABELS.get(message.status, message.status)),
        )
        for message in message_history(user=user, limit=limit)
    ]
