"""The self-employed person's particulars, one registration per sector, and its documents."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class SelfEmployedPerson(models.Model):
    """Particulars entered once and remembered for the next sector. The code is given at the first registration."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="self_employed")
    self_employed_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    status = models.ForeignKey("reference.SelfEmployedStatus", on_delete=models.PROTECT, null=True)
    nationality = models.ForeignKey("reference.Nationality", on_delete=models.PROTECT, null=True)
    race = models.ForeignKey("reference.Race", on_delete=models.PROTECT, null=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    address_line_1 = models.CharField(max_length=150, blank=True)
    address_line_2 = models.CharField(max_length=150, blank=True)
    state = models.ForeignKey("reference.State", on_delete=models.PROTECT, null=True)
    city = models.ForeignKey("reference.City", on_delete=models.PROTECT, null=True)
    postcode = models.CharField(max_length=5, blank=True)
    house_phone = models.CharField(max_length=15, blank=True)
    mobile = models.CharField(max_length=15, blank=True)
    email = models.EmailField(blank=True)
    branch = models.ForeignKey("reference.Branch", on_delete=models.PROTECT, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The staff person search (backoffice.selectors.person_search) finds a person by mobile (an equality) and
        # by email with iexact, which PostgreSQL runs as UPPER(email::text) = UPPER(%s): this index's expression.
        indexes = [
            models.Index(fields=["mobile"], name="person_mobile_idx"),
            models.Index(Upper("email"), name="person_email_upper_idx"),
        ]

    def __str__(self) -> str:
        return self.self_employed_code or f"person #{self.pk}"


class RegistrationQuerySet(models.QuerySet):
    def current(self):
        """Registrations that hold their sector: a cancelled one (its first period cancelled unpaid) does not."""
        return self.filter(cancelled_at__isnull=True)


class Registration(models.Model):
    """A person's registration in one sector. Later periods of the sector are renewals (contributions).

    The owner may cancel a registration whose first period is unpaid (contributions.services.contribution_cancel):
    it stays for the history, with `cancelled_at`, and no longer counts as the sector's registration, so the
    sector can be registered again."""

    person = models.ForeignKey(SelfEmployedPerson, on_delete=models.PROTECT, related_name="registrations")
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+")
    sector_class = models.ForeignKey("reference.SectorClass", on_delete=models.PROTECT, related_name="+")
    # SELF-EMPLOYED INFORMATION exactly as certified at submission; never edited afterwards.
    particulars = models.JSONField(default=dict)
    acknowledged = models.BooleanField(default=False)
    submitted_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "sector"], condition=models.Q(cancelled_at__isnull=True),
                name="registration_one_per_sector",
            ),
            models.CheckConstraint(condition=models.Q(acknowledged=True), name="registration_acknowledged"),
        ]

    def __str__(self) -> str:
        return f"{self.person} / {self.sector.name_en}"


def document_upload_to(instance: "Document", filename: str) -> str:
    # Server-made name: the person's file name is kept only as data, never as a path.
    return f"documents/{uuid.uuid4().hex}"


class Document(models.Model):
    class Kind(models.TextChoices):
        IDENTIFICATION_CARD = "IDENTIFICATION_CARD", _("Identification Card")
        OFFER_LETTER = "OFFER_LETTER", _("Offer Letter")
        PROFESSIONAL_CERTIFICATE = "PROFESSIONAL_CERTIFICATE", _("Professional Certificate")
        LICENCE_PERMIT = "LICENCE_PERMIT", _("Licence or Permit")
        OTHER = "OTHER", _("Other Document")

    registration = models.ForeignKey(Registration, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    file = models.FileField(upload_to=document_upload_to, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="document_one_per_kind"),
        ]
