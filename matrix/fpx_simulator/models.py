"""The simulator's own record of each FPX transaction it received (one per AR). Never used in production."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# debitAuthCode values the simulated bank produces, with FPX's meaning.
CODE_APPROVED = "00"
CODE_PENDING = "09"
CODE_INSUFFICIENT_FUNDS = "51"
CODE_CANCELLED = "BC"
CODE_NOT_FOUND = "76"
FAILED_CODES = (CODE_INSUFFICIENT_FUNDS, CODE_CANCELLED)

DIRECT_AC_MODES = ("normal", "delay", "duplicate", "reorder", "drop")


class SimulatedTransaction(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        FAILED = "failed", _("Failed")

    class DirectAcMode(models.TextChoices):
        DEFAULT = "", "default"
        NORMAL = "normal", "normal"
        DELAY = "delay", "delay"
        DUPLICATE = "duplicate", "duplicate"
        REORDER = "reorder", "reorder"
        DROP = "drop", "drop"

    # From the AR, as the seller sent them (echoed in every AC).
    seller_ex_id = models.CharField(max_length=20)
    seller_id = models.CharField(max_length=20)
    seller_ex_order_no = models.CharField(max_length=40)
    seller_order_no = models.CharField(max_length=40)
    seller_txn_time = models.CharField(max_length=14)
    amount = models.DecimalField(max_digits=9, decimal_places=2)
    currency = models.CharField(max_length=3, default="MYR")
    bank = models.ForeignKey("reference.Bank", on_delete=models.PROTECT, related_name="+")
    buyer_name = models.CharField(max_length=140, blank=True)
    buyer_email = models.CharField(max_length=254, blank=True)
    product_desc = models.CharField(max_length=100, blank=True)
    # Given by "FPX" when the AR arrives: 16 digits, YYMMDDhhmmss (Kuala Lumpur) + a 4-digit sequence.
    fpx_txn_id = models.CharField(max_length=16, unique=True)
    fpx_txn_time = models.DateTimeField()
    # The buyer's decision at the bank: blank while the buyer is still at the bank.
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    debit_auth_code = models.CharField(max_length=2, blank=True)
    debit_auth_no = models.CharField(max_length=12, blank=True)
    buyer_account_name = models.CharField(max_length=140, blank=True)
    # Where the ACs go (the merchant's base URL) and the capability that opens the bank's pages.
    merchant_base_url = models.CharField(max_length=200)
    bank_token = models.CharField(max_length=64, unique=True)
    # Test hook: how this transaction's direct AC is delivered (blank: the simulator's current setting).
    direct_ac_mode = models.CharField(max_length=10, choices=DirectAcMode.choices, blank=True)
    direct_ac_delay_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["seller_ex_id", "seller_ex_order_no"], name="fpxsim_unique_ex_order"),
            models.CheckConstraint(condition=Q(amount__gte=1) & Q(amount__lte=30000), name="fpxsim_amount_b2c_limits"),
            models.CheckConstraint(condition=Exact(Length("fpx_txn_id"), 16), name="fpxsim_txn_id_16_digits"),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", debit_auth_code__in=["", CODE_PENDING])
                    | Q(status="approved", debit_auth_code=CODE_APPROVED)
                    | (Q(status="failed") & ~Q(debit_auth_code__in=["", CODE_APPROVED, CODE_PENDING]))
                ),
                name="fpxsim_status_matches_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fpx_txn_id} {self.seller_ex_order_no} {self.status} RM {self.amount}"

    @property
    def is_final(self) -> bool:
        return self.status != self.Status.PENDING
