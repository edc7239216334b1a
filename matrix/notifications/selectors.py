from django.db.models import Count

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
