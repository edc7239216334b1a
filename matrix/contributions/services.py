"""Writes on contributions. Each function is one transaction; side effects leave on commit."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import renewal_facts, renewal_plans
from matrix.core.coverage import MAX_MONTHS, MIN_MONTHS, coverage_period, renewal_period
from matrix.core.errors import Refused
from matrix.core.money import money_times
from matrix.payments.models import Payment
from matrix.reference.models import Plan
from matrix.registrations.models import Registration


class ContributionNotPayable(Exception):
    """The contribution is already paid, was rejected or was cancelled: a payment must not change its cover."""


def contribution_create(*, registration: Registration, kind: str, plan: Plan, months: int,
                        now: datetime) -> Contribution:
    """A contribution awaiting payment: the plan's monthly rate is copied (a later change of rates never changes
    what was asked) and the amount is rate x months, to the sen. The caller has checked the rules."""
    return Contribution.objects.create(
        registration=registration,
        kind=kind,
        state=Contribution.State.AWAITING_PAYMENT,
        plan=plan,
        monthly_contribution=plan.monthly_contribution,
        months=months,
        amount=money_times(plan.monthly_contribution, months),
        created_at=now,
    )


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


RENEWAL_REJECTED = _("This sector's registration was rejected: it cannot be renewed.")
RENEWAL_FIRST_UNPAID = _("Pay the registration of this sector before renewing it.")
RENEWAL_UNPAID_EXISTS = _("This sector already has a renewal awaiting payment. Pay it or wait for it to settle.")
PLAN_LOCKED = _("Contribution plan is always locked for 1 year and no change of plan allowed within this period.")


class RenewalRefused(Refused):
    """The renewal breaks a rule; nothing was stored. `message` is for the person."""


class UnpaidRenewalExists(RenewalRefused):
    """The sector already has a renewal awaiting payment (constraint `contribution_one_unpaid_renewal`)."""

    def __init__(self, contribution: Contribution | None):
        super().__init__(RENEWAL_UNPAID_EXISTS)
        self.contribution = contribution


@transaction.atomic
def contribution_renew(
    *, user, registration: Registration, plan: Plan, months: int, now: datetime | None = None
) -> Contribution:
    """Ask for a renewal of `registration`'s sector: a RENEWAL contribution awaiting payment.

    Its cover is fixed only when the payment is approved (contribution_mark_paid). Refused when the sector's
    first period is not paid (or was rejected), when the plan breaks the 12-month plan lock, and when the sector
    already has an unpaid renewal: the database constraint refuses the second one, also under concurrent submits.
    """
    now = now or timezone.now()
    # The registration row is the sector's lock (contribution_mark_paid takes it too).
    registration = (
        Registration.objects.current().select_for_update().get(pk=registration.pk, person__user=user)
    )
    if isinstance(months, bool) or not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise RenewalRefused(_("Select from 1 to 12 contribution months."))
    facts = renewal_facts(registration=registration)
    if facts.first is None or facts.first.state == Contribution.State.REJECTED:
        raise RenewalRefused(RENEWAL_REJECTED)
    if facts.first.state != Contribution.State.PAID:
        raise RenewalRefused(RENEWAL_FIRST_UNPAID)
    if plan.pk not in {allowed.pk for allowed in renewal_plans(facts=facts, now=now)}:
        raise RenewalRefused(PLAN_LOCKED)

    try:
        with transaction.atomic():
            return contribution_create(registration=registration, kind=Contribution.Kind.RENEWAL, plan=plan,
                                       months=months, now=now)
    except IntegrityError as exc:
        existing = Contribution.objects.filter(
            registration=registration, kind=Contribution.Kind.RENEWAL, state=Contribution.State.AWAITING_PAYMENT
        ).first()
        raise UnpaidRenewalExists(existing) from exc


CANCEL_PAID = _("This contribution is paid: it can no longer be cancelled.")
CANCEL_PENDING = _("A payment for this contribution is in progress (Pending): it cannot be cancelled until the "
                   "payment is settled.")
CANCEL_NOT_UNPAID = _("Only a registration or renewal awaiting payment can be cancelled.")
# Payments whose outcome the bank may still decide: Pending, and Pending that outlived its re-queries.
PAYMENTS_UNSETTLED = (Payment.Status.PENDING, Payment.Status.NEEDS_ATTENTION)


class CancelRefused(Refused):
    """The contribution cannot be cancelled; nothing was changed. `message` is for the person."""


@transaction.atomic
def contribution_cancel(*, user, contribution_id: int, now: datetime | None = None) -> Contribution:
    """The owner cancels an unpaid registration or renewal: state Cancelled, and for a registration (its first
    period) the registration too, which frees the sector to be registered again.

    Locks in contribution_mark_paid's order (registration row, then contribution row), so a cancel and the
    settlement of a payment for the same contribution serialise: exactly one wins. Refused while a payment is
    Pending or Needs attention (the bank may still approve it) and once paid. Another person's contribution is
    not found (Contribution.DoesNotExist)."""
    now = now or timezone.now()
    registration_id = (
        Contribution.objects.filter(pk=contribution_id, registration__person__user=user)
        .values_list("registration_id", flat=True).first()
    )
    if registration_id is None:
        raise Contribution.DoesNotExist(f"contribution {contribution_id} of this person")
    registration = Registration.objects.select_for_update().get(pk=registration_id)
    contribution = Contribution.objects.select_for_update().get(pk=contribution_id)
    if contribution.state == Contribution.State.PAID:
        raise CancelRefused(CANCEL_PAID)
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        raise CancelRefused(CANCEL_NOT_UNPAID)
    if Payment.objects.filter(contribution=contribution, status__in=PAYMENTS_UNSETTLED).exists():
        raise CancelRefused(CANCEL_PENDING)

    contribution.state = Contribution.State.CANCELLED
    contribution.cancelled_at = now
    contribution.save(update_fields=["state", "cancelled_at"])
    if contribution.kind == Contribution.Kind.REGISTRATION:
        registration.cancelled_at = now
        registration.save(update_fields=["cancelled_at"])
    return contribution
