"""Reference-data changes made by Administrators in the back office: each one transaction with an audit row
holding the values before and after.

A new plan rate takes effect from a future date: the rate in force then is end-dated the day before and the new
row starts open-ended. Nothing else is touched: contributions copy their monthly rate and amount at submission,
so a past contribution keeps what it was asked. The database refuses overlapping rates of one plan (reference
migration 0003), so the end-dating comes first.

(These writes would sit in matrix/reference/services.py; they live here because that app is another team's.)"""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from matrix.backoffice.audit import audit_record
from matrix.core.kltime import kl_now
from matrix.reference.models import Plan


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (date, Decimal)):
        return str(value)
    return value


def _plan_row(plan: Plan) -> dict:
    return {"id": plan.pk, "number": plan.number, "monthly_contribution": str(plan.monthly_contribution),
            "insured_monthly_earnings": str(plan.insured_monthly_earnings),
            "effective_from": str(plan.effective_from),
            "effective_to": str(plan.effective_to) if plan.effective_to else None}


def plan_rate_schedule(*, request=None, actor, number: int, monthly_contribution: Decimal,
                       insured_monthly_earnings: Decimal, effective_from: date) -> Plan:
    """Add plan `number`'s rate from `effective_from` (after today, Kuala Lumpur date)."""
    if effective_from <= kl_now().date():
        raise ValidationError(_("A new rate must start on a future date."), code="rate_not_future")
    with transaction.atomic():
        rows = list(Plan.objects.select_for_update().filter(number=number).order_by("effective_from"))
        if not rows:
            raise ValidationError(_("There is no plan %(number)s.") % {"number": number}, code="no_plan")
        later = [row for row in rows if row.effective_from >= effective_from]
        if later:
            raise ValidationError(
                _("Plan %(number)s already has a rate from %(start)s. A new rate must start after it.")
                % {"number": number, "start": later[-1].effective_from.strftime("%d-%m-%Y")}, code="rate_later")
        current = rows[-1]
        before = _plan_row(current)
        ended = None
        if current.effective_to is None or current.effective_to >= effective_from:
            current.effective_to = effective_from - timedelta(days=1)
            current.save(update_fields=["effective_to"])
            ended = {"before": before, "after": _plan_row(current)}
        new = Plan.objects.create(number=number, monthly_contribution=monthly_contribution,
                                  insured_monthly_earnings=insured_monthly_earnings, effective_from=effective_from)
        audit_record(request=request, actor=actor, action="reference.plan_rate", target=new,
                     details={"ended": ended, "created": _plan_row(new)})
    return new


def reference_save(*, request=None, actor, instance: models.Model, values: dict) -> models.Model:
    """Create (instance without pk) or change a reference row, auditing every field that changed."""
    creating = instance.pk is None
    with transaction.atomic():
        if not creating:
            instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        changes = {}
        for name, value in values.items():
            old = getattr(instance, name)
            if creating or old != value:
                changes[name] = {"before": None if creating else _jsonable(old), "after": _jsonable(value)}
                setattr(instance, name, value)
        instance.full_clean()
        if creating:
            instance.save()
        elif changes:
            instance.save(update_fields=list(changes))
        if changes:
            label = instance._meta.model_name
            audit_record(request=request, actor=actor, action=f"reference.{label}_{'create' if creating else 'update'}",
                         target=instance, details={"changes": changes})
    return instance
