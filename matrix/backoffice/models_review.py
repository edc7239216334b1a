"""A staff decision on a new registration: Verified (an Officer) or Rejected (a Supervisor, with a reason from the
list and free text). One decision per registration, enforced by the database, so two officers clicking at once
record one decision; the review queue is the registrations without one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RejectReason(models.TextChoices):
    DOCUMENTS = "DOCUMENTS", _("Documents missing or unreadable")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("Not eligible for the scheme")
    WRONG_SECTOR = "WRONG_SECTOR", _("Wrong sector or class")
    PARTICULARS = "PARTICULARS", _("Particulars do not match the identity card")
    DUPLICATE = "DUPLICATE", _("Duplicate registration")
    OTHER = "OTHER", _("Other")


class RegistrationReview(models.Model):
    class Decision(models.TextChoices):
        VERIFIED = "VERIFIED", _("Verified")
        REJECTED = "REJECTED", _("Rejected")

    registration = models.OneToOneField("registrations.Registration", on_delete=models.PROTECT,
                                        related_name="review")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reason = models.CharField(max_length=16, choices=RejectReason.choices, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="VERIFIED", reason="") | Q(decision="REJECTED", reason__in=RejectReason.values),
                name="review_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} registration {self.registration_id}"
