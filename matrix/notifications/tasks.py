"""Celery tasks of the durable messages: thin wrappers over the services.

Beat runs `messages_sweep` every MESSAGES_SWEEP_EVERY_SECONDS (see config/settings/celery.py)."""

from celery import shared_task

from matrix.notifications import services


@shared_task(name="matrix.notifications.tasks.message_send", acks_late=True, ignore_result=True)
def message_send(message_id: int) -> str | None:
    """Send one Message row. Safe to run twice or late: only the worker that claims the row sends it."""
    return services.message_deliver(message_id=message_id)


@shared_task(name="matrix.notifications.tasks.messages_sweep", ignore_result=True)
def messages_sweep() -> dict[str, int]:
    return services.messages_sweep()


@shared_task(name="matrix.notifications.tasks.renewal_reminders_daily", ignore_result=True)
def renewal_reminders_daily() -> dict[str, int]:
    """Today's renewal reminders (Kuala Lumpur date). Safe to run again: each reminder is written once."""
    from matrix.notifications.reminders import renewal_reminders_send

    return renewal_reminders_send()
