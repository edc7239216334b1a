"""Staff accounts and the audit trail.

A staff member is an accounts.User (is_staff, id_number `staff:<username>`: never a valid IC, so the contributors'
login, which accepts letters and digits only, can never reach a staff account) with a StaffMember row carrying the
username, the role and the active flag. The contributors' table stays one table, keyed as before.

AuditEvent rows are append-only in the database itself (migration 0002: UPDATE and DELETE refused by triggers)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STAFF_ID_PREFIX = "staff:"


class Role(models.TextChoices):
    OFFICER = "OFFICER", _("Officer")
    SUPERVISOR = "SUPERVISOR", _("Supervisor")
    ADMINISTRATOR = "ADMINISTRATOR", _("Administrator")


# Each role may do everything the roles below it may do.
ROLE_RANK = {Role.OFFICER: 1, Role.SUPERVISOR: 2, Role.ADMINISTRATOR: 3}


class StaffMember(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member")
    username = models.CharField(_("Username"), max_length=50, unique=True)
    role = models.CharField(_("Role"), max_length=16, choices=Role.choices)
    is_active = models.BooleanField(_("Active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["username"]
        verbose_name = _("staff member")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="staff_role_valid"),
            models.CheckConstraint(
                condition=models.Q(is_active=True) | models.Q(deactivated_at__isnull=False),
                name="staff_inactive_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.username} ({self.get_role_display()})"

    def has_role(self, role: str) -> bool:
        return self.is_active and ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]


class AuditEvent(models.Model):
    """Who did what to which record, when, from which address. Written by matrix.backoffice.audit.audit_record."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Kept as text too: the label stays readable whatever happens to the account later.
    actor_label = models.CharField(max_length=160, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"
from matrix.backoffice.models_review import RegistrationReview, RejectReason  # noqa: E402, F401
