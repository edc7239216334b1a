"""Writes on contributions. Each function is one transaction; side effects leave on commit."""

from datetime import datetime

from django.db import transaction
from django.db.models import Max

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_period, renewal_period
from matrix.registrations.models import Registration


class ContributionNotPayable(Exception):
    """The contribution is already paid or was rejected: a payment must not change its cover."""


@transaction.atomic
def contribution_mark_paid(*, contribution: Contribution, paid_at: datetime) -> Contribution:
    """Fix the coverage period of a contribution whose payment FPX approved at `paid_at`.

    Called by payments.services.payment_settle inside its transaction. The registration row is locked first,
    so two renewals of one sector settled at the same moment still get consecutive periods.
    A first registration is covered from the approval time; a renewal from the day after the sector's latest
    paid cover ends, or from the approval time when that cover has lapsed (never retroactive).
    """
    Registration.objects.select_for_update().only("pk").get(pk=contribution.registration_id)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        raise ContributionNotPayable(f"contribution {contribution.pk} is {contribution.state}")

    if contribution.kind == Contribution.Kind.REGISTRATION:
        period = coverage_period(start=paid_at, months=contribution.months)
    else:
        latest_end = Contribution.objects.filter(
            registration_id=contribution.registration_id, state=Contribution.State.PAID
        ).aggregate(latest=Max("end_at"))["latest"]
        period = renewal_period(latest_end=latest_end, paid_at=paid_at, months=contribution.months)

    contribution.state = Contribution.State.PAID
    contribution.start_at = period.start
    contribution.end_at = period.end
    contribution.paid_at = paid_at
    contribution.save(update_fields=["state", "start_at", "end_at", "paid_at"])
    return contribution
