from matrix.notifications.models import OutboxMessage


def outbox_list(*, to: str | None = None, limit: int = 200):
    messages = OutboxMessage.objects.all()
    if to:
        messages = messages.filter(to=to)
    return messages[:limit]
