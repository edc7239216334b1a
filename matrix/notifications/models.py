"""Messages: every SMS and email the portal sends is a `Message` row, written in the transaction of the action that
causes it and sent afterwards by a Celery task (see services.py). `OutboxMessage` is the embedded delivery target
of development: it keeps the full text, as a phone or a mailbox would."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    class Channel(models.TextChoices):
        SMS = "SMS", "SMS"
        EMAIL = "EMAIL", "Email"

    channel = models.CharField(max_length=5, choices=Channel.choices)
    to = models.CharField(max_length=254, db_index=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}: {self.subject or self.body[:40]}"


class Message(models.Model):
    """One SMS or email to one recipient.

    Lifecycle: QUEUED → SENDING (claimed by one worker, with a lease) → SENT (the provider accepted it; the body is
    blanked) → DELIVERED / UNDELIVERED (the SMS gateway's delivery receipt). A failed attempt goes back to QUEUED
    with `next_attempt_at` from MESSAGES_RETRY_SCHEDULE; after the last attempt, or on a permanent refusal, FAILED
    with `last_error` (the body is blanked too). The body is kept encrypted (Fernet) while it waits, never in
    clear. `attempts` counts claims and doubles as the fencing token of the current claim."""

    class Channel(models.TextChoices):
        SMS = "SMS", "SMS"
        EMAIL = "EMAIL", "Email"

    class Status(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        FAILED = "FAILED", "Failed"
        DELIVERED = "DELIVERED", "Delivered"
        UNDELIVERED = "UNDELIVERED", "Undelivered"

    WAITING = (Status.QUEUED, Status.SENDING)

    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    recipient = models.CharField(max_length=254, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    kind = models.CharField(max_length=64, blank=True, help_text="The template or event kind, e.g. otp, receipt.")
    language = models.CharField(max_length=8, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body_encrypted = models.TextField(blank=True, help_text="Fernet token of the body; blank once sent or failed.")
    event_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=200, blank=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    receipt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="message_due_idx"),
            models.Index(fields=["status", "claimed_at"], name="message_lease_idx"),
            models.Index(fields=["user", "-created_at"], name="message_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=["SMS", "EMAIL"]), name="message_channel_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["QUEUED", "SENDING", "SENT", "FAILED", "DELIVERED", "UNDELIVERED"]),
                name="message_status_valid",
            ),
            # The body exists only while the message waits: no text (OTP, link) outlives its sending.
            models.CheckConstraint(
                condition=Q(status__in=["QUEUED", "SENDING"]) | Q(body_encrypted=""),
                name="message_body_blank_when_done",
            ),
            models.CheckConstraint(
                condition=~Q(status="SENDING") | Q(claimed_at__isnull=False), name="message_sending_has_lease"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["SENT", "DELIVERED", "UNDELIVERED"]) | Q(sent_at__isnull=False),
                name="message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind or 'message'} to {self.recipient}: {self.status}"


class MessagePreference(models.Model):
    """What a person chose about their messages (Management → Message preferences). Without a row: the language
    they signed up in (that of the first message sent to them, the sign-up code), reminders by SMS and by email.

    Only renewal reminders can be turned off; account and payment messages are always sent."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        MALAY = "ms", "Bahasa Malaysia"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="message_preference"
    )
    language = models.CharField(max_length=8, choices=Language.choices)
    reminders_sms = models.BooleanField(default=True)
    reminders_email = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(language__in=["en", "ms"]), name="message_preference_language_valid"),
        ]

    def __str__(self) -> str:
        return f"messages of {self.user_id}: {self.language}"


class RenewalReminder(models.Model):
    """One reminder of one sector's cover period: 30, 7 and 1 days before its last day, and the day after it
    (the cover lapsed). The database keeps one per (registration, period end, kind), so a second run of the day,
    or two runs at once, send nothing twice. The row is written even when the person turned reminders off."""

    class Kind(models.TextChoices):
        DAYS_30 = "D30", "30 days before"
        DAYS_7 = "D7", "7 days before"
        DAYS_1 = "D1", "1 day before"
        LAPSED = "LAPSED", "Cover lapsed"

    registration = models.ForeignKey("registrations.Registration", on_delete=models.CASCADE, related_name="+")
    period_end = models.DateTimeField(help_text="The last second of the sector's cover the reminder is about.")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    run_token = models.UUIDField(help_text="The job run that wrote it (to find its own rows after a bulk insert).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "period_end", "kind"], name="renewal_reminder_once"),
            models.CheckConstraint(condition=Q(kind__in=["D30", "D7", "D1", "LAPSED"]), name="renewal_reminder_kind"),
        ]
        indexes = [models.Index(fields=["run_token"], name="renewal_reminder_run_idx")]

    def __str__(self) -> str:
        return f"{self.kind} reminder of registration {self.registration_id} ({self.period_end})"
