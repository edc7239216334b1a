"""A person's message preferences (the write; `events.preference_get` reads them with their defaults)."""

from django.db import transaction
from django.utils import timezone

from matrix.notifications.models import MessagePreference


@transaction.atomic
def preference_update(*, user, language: str, reminders_sms: bool, reminders_email: bool) -> MessagePreference:
    """Set the language of messages and the channels of renewal reminders (account and payment messages are
    always sent)."""
    if language not in MessagePreference.Language.values:
        raise ValueError(f"unknown language {language!r}")
    row, _created = MessagePreference.objects.update_or_create(
        user_id=user.pk,
        defaults={"language": language, "reminders_sms": reminders_sms, "reminders_email": reminders_email,
                  "updated_at": timezone.now()},
    )
    return row
