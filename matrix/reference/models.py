"""Reference data: loaded by migrations, editable by staff in the admin. Rates and sectors carry effective
dates because the law changes them; rows are end-dated, never rewritten."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The scheme (Act 789) began on 1 June 2017: reference rows without a later date are in force from then.
SCHEME_OPENED = date(2017, 6, 1)

PLAN_RATES_OVERLAP = _(
    "Plan %(number)s already has a rate in force from %(start)s to %(end)s. End-date that rate the day before "
    "this one starts: two rates of one plan cannot be in force on the same day."
)


class BilingualName(models.Model):
    name_en = models.CharField(max_length=120)
    name_ms = models.CharField(max_length=120)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return self.name_ms if (get_language() or "en").startswith("ms") else self.name_en

    def __str__(self) -> str:
        return self.name


class ActiveQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Sector(BilingualName):
    class Document(models.TextChoices):
        OFFER_LETTER = "OFFER_LETTER", "Offer Letter"
        PROFESSIONAL_CERTIFICATE = "PROFESSIONAL_CERTIFICATE", "Professional Certificate"
        LICENCE_PERMIT = "LICENCE_PERMIT", "Licence or Permit"

    code = models.SlugField(max_length=40, unique=True)
    effective_from = models.DateField()
    required_document = models.CharField(max_length=30, choices=Document.choices)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name_en"]

    def is_open_on(self, day: date) -> bool:
        return self.is_active and self.effective_from <= day


class SectorClass(BilingualName):
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="classes")
    is_active = models.BooleanField(default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["sector", "name_en"]
        verbose_name_plural = "sector classes"
        constraints = [models.UniqueConstraint(fields=["sector", "name_en"], name="sector_class_unique_name")]


class PlanQuerySet(models.QuerySet):
    def in_force(self, on: date):
        """The rates in force on `on` (effective_to is the last day in force): one per plan number, since the
        database refuses overlapping periods (migration 0003_plan_rates_never_overlap)."""
        return self.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on)

    def overlapping(self, *, number: int, start: date, end: date | None):
        """Rates of plan `number` in force on some day of [start, end] (end None: open)."""
        rows = self.filter(number=number).filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        return rows if end is None else rows.filter(effective_from__lte=end)


class Plan(models.Model):
    """One row of the contribution table (First Schedule of Act 789) for a span of dates, effective_from to
    effective_to inclusive (NULL: until further notice). Two rows of one plan number never overlap: the
    database refuses it (an exclusion constraint on PostgreSQL, triggers on SQLite, see migration 0003);
    `clean` says so first, for the admin."""

    number = models.PositiveSmallIntegerField()
    insured_monthly_earnings = models.DecimalField(max_digits=9, decimal_places=2)
    monthly_contribution = models.DecimalField(max_digits=9, decimal_places=2)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["number", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["number", "effective_from"], name="plan_unique_number_from"),
            models.CheckConstraint(condition=Q(monthly_contribution__gt=0), name="plan_contribution_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="plan_dates_ordered",
            ),
        ]

    def clean(self):
        super().clean()
        if self.number is None or self.effective_from is None:
            return
        if self.effective_to is not None and self.effective_to < self.effective_from:
            return  # the plan_dates_ordered constraint reports it
        other = (
            Plan.objects.overlapping(number=self.number, start=self.effective_from, end=self.effective_to)
            .exclude(pk=self.pk).order_by("effective_from").first()
        )
        if other is not None:
            raise ValidationError(PLAN_RATES_OVERLAP % {
                "number": other.number,
                "start": other.effective_from.strftime("%d-%m-%Y"),
                "end": other.effective_to.strftime("%d-%m-%Y") if other.effective_to else _("no end date"),
            }, code="plan_rates_overlap")

    @property
    def annual_contribution(self):
        return self.monthly_contribution * 12

    def __str__(self) -> str:
        return f"Plan {self.number} (RM {self.annual_contribution:,.2f})"


class State(models.Model):
    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="cities")
    name = models.CharField(max_length=80)
    postcode = models.CharField(max_length=5)

    class Meta:
        ordering = ["state", "name"]
        verbose_name_plural = "cities"
        constraints = [models.UniqueConstraint(fields=["state", "name"], name="city_unique_in_state")]

    def __str__(self) -> str:
        return self.name


class Branch(models.Model):
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="branches")
    name = models.CharField(max_length=120, unique=True)
    name_ms = models.CharField(max_length=120, blank=True, help_text="Malay name, when it differs")
    # When the branch serves the scheme (a branch that closes keeps its rows for past payments).
    effective_from = models.DateField(default=SCHEME_OPENED)
    effective_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="branch_effective_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Bank(models.Model):
    """An FPX B2C bank. Availability (A/B) comes live from FPX's BC message, not from here."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=80)
    name_ms = models.CharField(max_length=80, blank=True, help_text="Malay name, when it differs")
    effective_from = models.DateField(default=SCHEME_OPENED)
    effective_to = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="bank_effective_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Race(BilingualName):
    code = models.SlugField(max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]


class Nationality(BilingualName):
    """SKSPS is for Malaysian citizens and permanent residents."""

    code = models.SlugField(max_length=20, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name_plural = "nationalities"


class SelfEmployedStatus(BilingualName):
    """The form's "Status Self-Employed Person" choices."""

    code = models.SlugField(max_length=30, unique=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order"]
        verbose_name_plural = "self-employed statuses"
