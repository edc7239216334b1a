"""The API's own rows: token pairs of the mobile application and partners, idempotency records of mutating
POSTs, and a person's API preferences. Secrets are never stored: tokens as SHA-256, stored answers encrypted with
a key derived from the request that produced them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiSession(models.Model):
    """One login of an API client: the current access token and refresh token (both only as SHA-256).

    A refresh rotates both tokens on this row; logout, a password change or a refresh with an unknown token ends
    it (`revoked_at`). `password_fingerprint` is an HMAC of the password hash at login: a session whose account
    password changed since is refused even before the revocation receiver has marked it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_sessions")
    access_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_hash = models.CharField(max_length=64, unique=True)
    refresh_expires_at = models.DateTimeField()
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=40, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_session_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_reason="") | Q(revoked_at__isnull=False),
                name="api_session_reason_iff_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"API session {self.pk} of account {self.user_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a mutating POST sent with an `Idempotency-Key`, per scope (the account, or an
    anonymous client's operation) and key. The row is inserted in the transaction of the action itself, so two
    concurrent requests with one key cannot both act: the database's unique constraint lets one insert and
    the other, once the first commits, finds its answer. Kept 24 hours."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    operation = models.CharField(max_length=120)
    fingerprint = models.CharField(max_length=64, help_text="HMAC-SHA256 of the operation and its parsed input.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # Fernet token of the answer's body, keyed by the request itself: only a repeat of the same request reads it.
    body_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_one_per_scope_key"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="idempotency_expires"),
        ]

    def __str__(self) -> str:
        return f"idempotency {self.scope}/{self.key}"


class ApiPreference(models.Model):
    """What a person chose in the application: the language of API answers when a request names none."""

    class Language(models.TextChoices):
        EN = "en", "English"
        MS = "ms", "Bahasa Malaysia"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_preference")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.EN)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(language__in=["en", "ms"]), name="api_preference_language")]

    def __str__(self) -> str:
        return f"API preferences of account {self.user_id}"
