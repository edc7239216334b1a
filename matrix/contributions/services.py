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
    """The contribution is already paid, was rejected or was cancelled: a payment must not change its cover.
    `state`: the state it was found in."""

    def __init__(self, message: str = "", *, state: str = ""):
        super().__init__(message)
        self.state = state


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


def contribution_mark_paid(*, contribution: Contribution, paid_at: datetime,
                           registration_locked: bool = False) -> Contribution:
    """Fix the coverage period of a contribution whose payment FPX approved at `paid_at`.

    Called by payments.services.payment_settle inside its transaction (outside one, it opens its own). The
    registration row is locked first, so two renewals of one sector settled at the same moment still get
    consecutive periods; `registration_locked`: the caller already holds that lock (payment_settle takes it in
    the statement that locks the payment). A first registration is covered from the approval time; a renewal from
    the day after the sector's latest paid cover ends, or from the approval time when that cover has lapsed (never
    retroactive). ContributionNotPayable, with nothing written, when it is no longer awaiting payment.

    Three statements at most (the lock, a renewal's latest paid end, one conditional UPDATE) and no savepoint: the
    refusal is raised before anything is written, so the caller's transaction goes on (to owe the money back).
    """
    if transaction.get_connection().in_atomic_block:
        return _contribution_mark_paid(contribution, paid_at=paid_at, registration_locked=registration_locked)
    if registration_locked:
        raise ValueError("registration_locked: the lock is only held inside the caller's transaction")
    with transaction.atomic():
        return _contribution_mark_paid(contribution, paid_at=paid_at, registration_locked=False)


def _contribution_mark_paid(contribution: Contribution, *, paid_at: datetime,
                            registration_locked: bool) -> Contribution:
    # Only the contribution's fixed facts (kind, months, registration) are read from `contribution`, which may
    # have been read before the lock; its state is checked by the UPDATE itself, under the row's lock.
    if not registration_locked:
        Registration.objects.select_for_update().only("pk").get(pk=contribution.registration_id)
    if contribution.kind == Contribution.Kind.REGISTRATION:
        period = coverage_period(start=paid_at, months=contribution.months)
    else:
        # Read after the registration's lock was taken (a statement of its own, so its snapshot is newer than
        # any renewal of this sector paid before): every payer of this sector holds that lock until it commits.
        latest_end = Contribution.objects.filter(
            registration_id=contribution.registration_id, state=Contribution.State.PAID
        ).aggregate(latest=Max("end_at"))["latest"]
        period = renewal_period(latest_end=latest_end, paid_at=paid_at, months=contribution.months)

    marked = Contribution.objects.filter(pk=contribution.pk, state=Contribution.State.AWAITING_PAYMENT).update(
        state=Contribution.State.PAID, start_at=period.start, end_at=period.end, paid_at=paid_at)
    if not marked:
        state = Contribution.objects.values_list("state", flat=True).get(pk=contribution.pk)
        raise ContributionNotPayable(f"contribution {contribution.pk} is {state}", state=state)
    contribution.state = Contribution.State.PAID
    contribution.start_at = period.start
    contribution.end_at = period.end
    contribution.paid_at = paid_at
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
