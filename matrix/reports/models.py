"""Reconciliation of FPX's daily settlement file against our Paid FPX payments.

A run is kept as it was found (the file's lines and our payments of that day, each classified), so a later change
to a payment never rewrites what a Supervisor saw. Totals are stored on the run for the same reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReconciliationRun(models.Model):
    settlement_date = models.DateField(_("Settlement date"))
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    matched_count = models.PositiveIntegerField(default=0)
    mismatch_count = models.PositiveIntegerField(default=0)
    ours_only_count = models.PositiveIntegerField(default=0)
    bank_only_count = models.PositiveIntegerField(default=0)
    bank_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    ours_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"Reconciliation {self.settlement_date} #{self.pk}"

    @property
    def is_clean(self) -> bool:
        return not (self.mismatch_count or self.ours_only_count or self.bank_only_count)

    @property
    def difference(self):
        return self.bank_total - self.ours_total


class ReconciliationLine(models.Model):
    class Kind(models.TextChoices):
        MATCHED = "MATCHED", _("Matched")
        AMOUNT_MISMATCH = "AMOUNT_MISMATCH", _("Amount mismatch")
        OURS_ONLY = "OURS_ONLY", _("Ours only")
        BANK_ONLY = "BANK_ONLY", _("Bank only")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    seller_ex_order_no = models.CharField(max_length=40, blank=True)
    fpx_txn_id = models.CharField(max_length=20, blank=True)
    bank_code = models.CharField(max_length=10, blank=True)
    txn_time = models.DateTimeField(null=True, blank=True)
    bank_amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    our_amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    # The file's line number (1 = header), empty for a payment of ours the file does not hold.
    file_line = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "file_line", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="OURS_ONLY", bank_amount__isnull=True, our_amount__isnull=False, payment__isnull=False)
                    | Q(kind="BANK_ONLY", bank_amount__isnull=False, our_amount__isnull=True)
                    | Q(kind__in=["MATCHED", "AMOUNT_MISMATCH"], bank_amount__isnull=False,
                        our_amount__isnull=False, payment__isnull=False)
                ),
                name="reconciliation_line_amounts_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.seller_ex_order_no or self.fpx_txn_id}"


class DailyFigure(models.Model):
    """One Kuala Lumpur day's count and amount of one figure of the reports, by one key (a sector, a state, a plan
    number, a payment status, a bank; empty for a day's total). Written only by matrix.reports.summary, which
    recomputes whole days; the reports page sums the days of its period, so its cost does not grow with the
    number of contributions."""

    class Figure(models.TextChoices):
        SECTOR = "SECTOR"  # paid contributions by the registration's sector (key: sector id)
        STATE = "STATE"  # by the person's state (key: state id, empty when none)
        PLAN = "PLAN"  # by plan number (key: the number)
        PAID = "PAID"  # every paid contribution of the day (the months are sums of days)
        FIRST_PERIODS = "FIRST_PERIODS"  # registrations whose first period was paid that day
        FIRST_RENEWALS = "FIRST_RENEWALS"  # registrations whose first renewal was paid that day
        REGISTRATIONS = "REGISTRATIONS"  # registrations submitted that day
        PAYMENT_STATUS = "PAYMENT_STATUS"  # payment attempts made that day, by their status now (key: status)
        PAYMENT_BANK = "PAYMENT_BANK"  # by bank (key: "<buyer bank code>:<bank id>")

    day = models.DateField()
    figure = models.CharField(max_length=16, choices=Figure.choices)
    key = models.CharField(max_length=40, blank=True)
    # For the labels, read through a join at the page (a renamed sector shows its new name at once); no database
    # constraint, so reference data is never held by a report row.
    sector = models.ForeignKey("reference.Sector", on_delete=models.DO_NOTHING, null=True, blank=True,
                               db_constraint=False, related_name="+")
    state = models.ForeignKey("reference.State", on_delete=models.DO_NOTHING, null=True, blank=True,
                              db_constraint=False, related_name="+")
    bank = models.ForeignKey("reference.Bank", on_delete=models.DO_NOTHING, null=True, blank=True,
                             db_constraint=False, related_name="+")
    count = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "figure", "key"], name="report_daily_figure_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.key}: {self.count}"


class SummaryState(models.Model):
    """The one row (pk 1) of the summary's refresh: when it was, what it found then for the figures of the moment
    (people covered, covers ending, renewals) and from when the next refresh must recompute the days."""

    refreshed_at = models.DateTimeField()
    # The next refresh recomputes every day from this one's date (Kuala Lumpur): the oldest payment still open
    # (pending or needing attention) when this refresh read the data, or this refresh's own moment.
    recompute_from = models.DateTimeField()
    people_covered = models.PositiveIntegerField(default=0)
    registrations_covered = models.PositiveIntegerField(default=0)
    # [["YYYY-MM-DD", count], ...]: registrations whose paid cover ends on that day, the next COVERS_ENDING_DAYS.
    covers_ending = models.JSONField(default=list)
    first_periods = models.PositiveIntegerField(default=0)
    first_renewals = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Reports summary as of {self.refreshed_at}"


class SummaryStaleDay(models.Model):
    """A past day whose figures changed after the summary counted it, outside what the next refresh recomputes
    anyway: a late approval of an attempt already closed as Failed (its contribution is paid from FPX's approval
    time, days back). The next refresh recomputes from the earliest marked day and removes the marks it read."""

    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reports summary: recompute {self.day}"
