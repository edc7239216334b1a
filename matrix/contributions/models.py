"""Contributions: the first period of a registration and each renewal. The coverage period is fixed only by
the payment's approval (payments.services.payment_settle calls contributions.services.contribution_mark_paid).

The status a person sees (Submitted, Active, Renewed, Expired, Rejected, Cancelled) follows from the stored
state and the clock: see `Contribution.status_at`, so Expired needs no batch job. Expired is decided per sector:
a past period of a sector whose cover continues (a later paid period running, or paid ahead) keeps its Active or
Renewed; only when the sector's cover has ended do its periods say Expired ("Please renew")."""

from datetime import datetime

from django.db import models
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.core.coverage import cover_ended


class ContributionStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("Submitted")
    ACTIVE = "ACTIVE", _("Active")
    RENEWED = "RENEWED", _("Renewed")
    EXPIRED = "EXPIRED", _("Expired")
    REJECTED = "REJECTED", _("Rejected")
    CANCELLED = "CANCELLED", _("Cancelled")


class ContributionQuerySet(models.QuerySet):
    def with_sector_end(self):
        """Annotate `sector_latest_end`: the last second of the sector's paid cover (for `status_at`)."""
        latest = (
            Contribution.objects.filter(registration=OuterRef("registration"), state=Contribution.State.PAID)
            .values("registration").annotate(latest=Max("end_at")).values("latest")
        )
        return self.annotate(sector_latest_end=Subquery(latest[:1]))


class Contribution(models.Model):
    class Kind(models.TextChoices):
        REGISTRATION = "REGISTRATION", _("Registration")
        RENEWAL = "RENEWAL", _("Renewal")

    class State(models.TextChoices):
        AWAITING_PAYMENT = "AWAITING_PAYMENT", _("Awaiting payment")
        PAID = "PAID", _("Paid")
        REJECTED = "REJECTED", _("Rejected")
        CANCELLED = "CANCELLED", _("Cancelled")

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
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["registration", "state", "end_at"], name="contribution_cover_idx"),
            # Reports count paid contributions by their moment of payment (matrix/reports/selectors.py).
            models.Index(fields=["paid_at"], condition=Q(state="PAID"), name="contribution_paid_at_idx"),
        ]
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
            models.CheckConstraint(
                condition=Q(state="CANCELLED", cancelled_at__isnull=False)
                | (~Q(state="CANCELLED") & Q(cancelled_at__isnull=True)),
                name="contribution_cancelled_iff_state",
            ),
        ]

    def sector_end(self) -> datetime | None:
        """The last second of the sector's paid cover: the `sector_latest_end` annotation when the queryset has
        it (`with_sector_end`), else one query."""
        if hasattr(self, "sector_latest_end"):
            return self.sector_latest_end
        return Contribution.objects.filter(
            registration_id=self.registration_id, state=self.State.PAID
        ).aggregate(latest=Max("end_at"))["latest"]

    def status_at(self, moment: datetime, *, sector_end: datetime | None = None) -> str:
        """The status at `moment`. `sector_end` is the last second of the sector's paid cover (looked up when
        not given): a paid period says Expired only when the sector's cover has ended."""
        if self.state != self.State.PAID:
            return contribution_status(state=self.state, kind=self.kind, end_at=self.end_at, sector_end=None,
                                       moment=moment)
        return contribution_status(
            state=self.state, kind=self.kind, end_at=self.end_at, moment=moment,
            sector_end=sector_end if sector_end is not None else self.sector_end(),
        )

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    @property
    def status_label(self) -> str:
        return ContributionStatus(self.status).label

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.months} months, RM {self.amount})"


def contribution_status(*, state: str, kind: str, end_at: datetime | None, sector_end: datetime | None,
                        moment: datetime) -> str:
    """The status a person sees (see `Contribution.status_at`), from stored values: the history page computes it
    for rows it reads as plain values, without model instances."""
    if state == Contribution.State.REJECTED:
        return ContributionStatus.REJECTED
    if state == Contribution.State.CANCELLED:
        return ContributionStatus.CANCELLED
    if state == Contribution.State.AWAITING_PAYMENT:
        return ContributionStatus.SUBMITTED
    ends = [end for end in (sector_end, end_at) if end]
    if cover_ended(end=max(ends, default=None), moment=moment):
        return ContributionStatus.EXPIRED
    if kind == Contribution.Kind.RENEWAL:
        return ContributionStatus.RENEWED
    return ContributionStatus.ACTIVE
