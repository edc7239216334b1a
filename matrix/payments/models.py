"""Payment attempts (one FPX transaction each), refunds of money FPX took that pays nothing, the append-only log
of every FPX message, and the lease that keeps re-query runs from overlapping."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        PAID = "PAID", _("Paid")
        FAILED = "FAILED", _("Failed")
        # Pending too long, or an answer we cannot apply (e.g. an authentic AC for another amount): staff look at
        # it. It does not block a new attempt; an AC that arrives later still settles it forward.
        NEEDS_ATTENTION = "NEEDS_ATTENTION", _("Needs attention")

    class Method(models.TextChoices):
        FPX = "FPX", _("FPX")
        COUNTER = "COUNTER", _("Counter")

    class CounterMethod(models.TextChoices):
        CASH = "CASH", _("Cash")
        CARD = "CARD", _("Card")
        CHEQUE = "CHEQUE", _("Cheque")

    contribution = models.ForeignKey(
        "contributions.Contribution", on_delete=models.PROTECT, related_name="payments"
    )
    # Our order numbers for FPX; the exchange order number is the idempotency key of settlement.
    seller_order_no = models.CharField(max_length=40, unique=True)
    seller_ex_order_no = models.CharField(max_length=40, unique=True)
    seller_txn_time = models.CharField(max_length=14)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    bank = models.ForeignKey("reference.Bank", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The FPX bank code the buyer chose (kept even when our reference data does not know it; AE repeats it).
    buyer_bank_id = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    debit_auth_code = models.CharField(max_length=4, blank=True)
    credit_auth_code = models.CharField(max_length=4, blank=True)
    fpx_txn_id = models.CharField(max_length=20, blank=True)
    fpx_txn_time = models.DateTimeField(null=True, blank=True)
    receipt_no = models.CharField(max_length=14, unique=True, null=True, blank=True)
    # An approved payment that pays nothing (another attempt paid the contribution, or it was rejected or
    # cancelled): the money is owed back (see Refund), the cover is not extended.
    refund_due = models.BooleanField(default=False)
    # The AR's time (the order's moment).
    created_at = models.DateTimeField(default=timezone.now)
    # The moment of payment: FPX's approval time (fpx_fpxTxnTime) bounded to [created_at, settled_at]. Cover and
    # the receipt's year follow it.
    paid_at = models.DateTimeField(null=True, blank=True)
    # When we learnt the outcome (our settlement time).
    settled_at = models.DateTimeField(null=True, blank=True)
    # Re-query (AE) backoff: asked `enquiry_count` times, last at `last_enquiry_at`; due again at
    # `next_enquiry_at` (empty: never asked, due FPX_REQUERY_AFTER_SECONDS after created_at).
    last_enquiry_at = models.DateTimeField(null=True, blank=True)
    next_enquiry_at = models.DateTimeField(null=True, blank=True)
    enquiry_count = models.PositiveIntegerField(default=0)
    attention_reason = models.CharField(max_length=200, blank=True)
    # How the money came: FPX (the default) or at a PERKESO branch counter, recorded by an officer (the counter
    # method, the branch and the slip's reference). A counter payment settles through the same approval path.
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.FPX)
    counter_method = models.CharField(max_length=8, choices=CounterMethod.choices, blank=True)
    branch = models.ForeignKey("reference.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    counter_reference = models.CharField(max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    # Settled, the person not yet told (receipt email, SMS): set in the settlement's own UPDATE when a worker tells
    # (services/settle.py), cleared by the worker that claims it; a row left set is told by the next sweep.
    tell_pending = models.BooleanField(default=False, db_default=False)

    @property
    def method_label(self) -> str:
        """Payment Method as the receipt and Payment Details show it: "Counter - <branch>" or FPX's."""
        if self.method == self.Method.COUNTER:
            return f"Counter - {self.branch.name if self.branch_id else '-'}"
        return "Portal MATRIX - FPX"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="payment_status_created_idx"),
            models.Index(fields=["status", "next_enquiry_at"], name="payment_status_enquiry_idx"),
            # Reconciliation reads a day's paid payments by paid_at; reports count attempts by created_at.
            models.Index(fields=["paid_at"], condition=Q(status="PAID"), name="payment_paid_at_idx"),
            models.Index(fields=["created_at"], name="payment_created_idx"),
            models.Index(fields=["id"], condition=Q(tell_pending=True), name="payment_tell_pending_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contribution"],
                condition=Q(status="PAID", refund_due=False),
                name="payment_one_paid_per_contribution",
            ),
            models.UniqueConstraint(
                fields=["contribution"], condition=Q(status="PENDING"), name="payment_one_pending_per_contribution"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=1) & Q(amount__lte=30000), name="payment_amount_fpx_b2c_limits"
            ),
            models.CheckConstraint(
                condition=Q(status="PAID", receipt_no__isnull=False) | (~Q(status="PAID") & Q(receipt_no__isnull=True)),
                name="payment_receipt_iff_paid",
            ),
            models.CheckConstraint(
                condition=~Q(status="NEEDS_ATTENTION") | ~Q(attention_reason=""),
                name="payment_attention_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(method="FPX") & Q(counter_method="") & Q(branch__isnull=True))
                | (Q(method="COUNTER") & Q(counter_method__in=["CASH", "CARD", "CHEQUE"]) & Q(branch__isnull=False)),
                name="payment_counter_has_method_and_branch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller_ex_order_no} {self.status} RM {self.amount}"


class Refund(models.Model):
    """Money FPX took for a payment that pays nothing: Due when found, Approved by staff, Paid when sent back.
    One per payment; the payment keeps `refund_due` set."""

    class State(models.TextChoices):
        DUE = "DUE", _("Due")
        APPROVED = "APPROVED", _("Approved")
        PAID = "PAID", _("Paid")

    class Reason(models.TextChoices):
        ALREADY_PAID = "ALREADY_PAID", _("This contribution was already paid by another payment.")
        NOT_PAYABLE = "NOT_PAYABLE", _("This contribution was rejected or cancelled before the payment was approved.")
        REJECTED = "REJECTED", _("This contribution was rejected by PERKESO after it was paid.")
        STAFF = "STAFF", _("PERKESO found that this payment must be returned.")

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="refund")
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.DUE)
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)
    bank_reference = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="refund_state_created_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=["DUE", "APPROVED", "PAID"]), name="refund_state_valid"),
            models.CheckConstraint(condition=~Q(state="APPROVED") | Q(approved_at__isnull=False),
                                   name="refund_approved_has_approved_at"),
            models.CheckConstraint(
                condition=~Q(state="PAID") | (Q(approved_at__isnull=False, paid_at__isnull=False)
                                              & ~Q(bank_reference="")),
                name="refund_paid_has_paid_at_and_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.state} RM {self.amount} for {self.payment_id}"


class FpxMessage(models.Model):
    """Every FPX message sent or received, raw, as it was. Rows are only ever added."""

    class Channel(models.TextChoices):
        BE = "BE", "Bank list enquiry"
        AR = "AR", "Authorisation request"
        AC_DIRECT = "AC_DIRECT", "Direct AC"
        AC_INDIRECT = "AC_INDIRECT", "Indirect AC"
        AE = "AE", "Enquiry"
        AE_REPLY = "AE_REPLY", "Enquiry answer"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="messages")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    seller_ex_order_no = models.CharField(max_length=40, blank=True, db_index=True)
    body = models.TextField()
    signature_valid = models.BooleanField(null=True)
    outcome = models.CharField(max_length=200, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["received_at", "pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("FPX messages are append-only")
        super().save(*args, **kwargs)


class JobLease(models.Model):
    """A named lease with an expiry: a periodic run holds it so that runs never overlap (on PostgreSQL and on the
    SQLite embedded default alike, across processes), and a run that died frees it when it expires."""

    name = models.CharField(max_length=60, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    held_until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or '-'} until {self.held_until}"
