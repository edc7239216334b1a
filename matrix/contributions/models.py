"""Contributions: the first period of a registration and each renewal. The coverage period is fixed only by
the payment's approval (payments.services.payment_settle calls contributions.services.contribution_mark_paid).

The status a person sees (Submitted, Active, Renewed, Expired, Rejected) follows from the stored state and
the clock: see `Contribution.status_at`, so Expired needs no batch job."""

from datetime import datetime

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContributionStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("Submitted")
    ACTIVE = "ACTIVE", _("Active")
    RENEWED = "RENEWED", _("Renewed")
    EXPIRED = "EXPIRED", _("Expired")
    REJECTED = "REJECTED", _("Rejected")


class Contribution(models.Model):
    class Kind(models.TextChoices):
        REGISTRATION = "REGISTRATION", _("Registration")
        RENEWAL = "RENEWAL", _("Renewal")

    class State(models.TextChoices):
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        PAID = "PAID", _("Paid")
        REJECTED = "REJECTED", _("Rejected")

    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.AWAITING_PAYMENT)
    plan = models.ForeignKey("reference.Plan", on_delete=models.PROTECT, related_name="+")
    # Copied from the plan at submission: a later change of rates never changes what was asked.
    monthly_contribution = models.DecimalField(max_digits=9, decimal_places=2)
    months = models.PositiveSmallIntegerField()
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["registration", "state", "end_at"], name="contribution_cover_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=12), name="contribution_months_1_12"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="contribution_amount_positive"),
            models.CheckConstraint(
                condition=(
                    Q(state="PAID", start_at__isnull=False, end_at__isnull=False, paid_at__isnull=False)
                    | (~Q(state="PAID") & Q(start_at__isnull=True, end_at__isnull=True))
                    | Q(state="REJECTED")
                ),
                name="contribution_period_iff_paid",
            ),
            models.CheckConstraint(
                condition=Q(start_at__isnull=True) | Q(end_at__gt=F("start_at")), name="contribution_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["registration"], condition=Q(kind="REGISTRATION"), name="contribution_one_first_period"
            ),
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(kind="RENEWAL", state="AWAITING_PAYMENT"),
                name="contribution_one_unpaid_renewal",
            ),
        ]

    def status_at(self, moment: datetime) -> str:
        if self.state == self.State.REJECTED:
            return ContributionStatus.REJECTED
        if self.state == self.State.AWAITING_PAYMENT:
            return ContributionStatus.SUBMITTED
        if self.end_at is not None and self.end_at < moment:
            return ContributionStatus.EXPIRED
        if self.kind == self.Kind.RENEWAL:
            return ContributionStatus.RENEWED
        return ContributionStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def status_label(self) -> str:
        return ContributionStatus(self.status).label

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.months} months, RM {self.amount})"
