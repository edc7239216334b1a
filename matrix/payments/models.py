"""Payment attempts (one FPX transaction each), and the append-only log of every FPX message."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "PENDING", _("Pending")
        PAID = "PAID", _("Paid")
        FAILED = "FAILED", _("Failed")

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
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    debit_auth_code = models.CharField(max_length=4, blank=True)
    credit_auth_code = models.CharField(max_length=4, blank=True)
    fpx_txn_id = models.CharField(max_length=20, blank=True)
    fpx_txn_time = models.DateTimeField(null=True, blank=True)
    receipt_no = models.CharField(max_length=14, unique=True, null=True, blank=True)
    # A second approved payment for one contribution: the money is refunded, the cover is not extended.
    refund_due = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    last_enquiry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="payment_status_created_idx")]
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
        ]

    def __str__(self) -> str:
        return f"{self.seller_ex_order_no} {self.status} RM {self.amount}"


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
