"""The review of a new registration: Verified (an Officer) or Rejected (a Supervisor).

Rejecting is one transaction: the decision row (one per registration, by the database), every contribution of
the registration that is not cancelled becomes Rejected with the reason (an unpaid one simply; a paid one also
owes its money back: a Refund, Due, for its paid payment), the person is told by SMS and email (durable messages
written in this transaction, sent after commit) and the audit row is written. The person's contribution history
then says Rejected, with the reason."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models_review import RegistrationReview, RejectReason
from matrix.contributions.models import Contribution
from matrix.core.errors import Refused
from matrix.notifications.senders import registration_rejected_tell
from matrix.payments.models import Payment, Refund
from matrix.registrations.models import Registration


class ReviewRefused(Refused):
    pass


ALREADY_DECIDED = _("This registration has already been reviewed.")


def _registration_locked(registration_id: int) -> Registration:
    registration = (Registration.objects.select_for_update(of=("self",)).select_related("person__user", "sector")
                    .filter(pk=registration_id).first())
    if registration is None or registration.cancelled_at is not None:
        raise ReviewRefused(_("No such registration awaiting review."))
    if RegistrationReview.objects.filter(registration_id=registration_id).exists():
        raise ReviewRefused(ALREADY_DECIDED)
    return registration


def _decide(registration: Registration, **fields) -> RegistrationReview:
    try:
        with transaction.atomic():
            return RegistrationReview.objects.create(registration=registration, **fields)
    except IntegrityError as exc:
        raise ReviewRefused(ALREADY_DECIDED) from exc


@transaction.atomic
def registration_verify(*, registration_id: int, staff_user, request=None,
                        now: datetime | None = None) -> RegistrationReview:
    registration = _registration_locked(registration_id)
    review = _decide(registration, decision=RegistrationReview.Decision.VERIFIED, decided_by=staff_user,
                     decided_at=now or timezone.now())
    audit_record(request=request, actor=staff_user, action="registration.verify", target=registration)
    return review


def reason_text(*, reason: str, note: str) -> str:
    """What the person reads: the listed reason (English / Malay), then the officer's words."""
    label = RejectReason(reason).label
    from django.utils import translation

    with translation.override("en"):
        english = str(label)
    with translation.override("ms"):
        malay = str(label)
    text = english if english == malay else f"{english} / {malay}"
    return f"{text}. {note.strip()}" if note.strip() else text


@transaction.atomic
def registration_reject(*, registration_id: int, reason: str, note: str, staff_user, request=None,
                        now: datetime | None = None) -> RegistrationReview:
    if reason not in RejectReason.values:
        raise ReviewRefused(_("Choose a reason."))
    if reason == RejectReason.OTHER and not note.strip():
        raise ReviewRefused(_("Explain the reason."))
    now = now or timezone.now()
    registration = _registration_locked(registration_id)
    review = _decide(registration, decision=RegistrationReview.Decision.REJECTED, reason=reason, note=note.strip(),
                     decided_by=staff_user, decided_at=now)
    text = reason_text(reason=reason, note=note)
    refunds = []
    contributions = Contribution.objects.select_for_update().filter(
        registration=registration, state__in=[Contribution.State.AWAITING_PAYMENT, Contribution.State.PAID])
    for contribution in contributions:
        was_paid = contribution.state == Contribution.State.PAID
        contribution.state = Contribution.State.REJECTED
        contribution.rejected_at = now
        contribution.rejected_reason = text
        contribution.save(update_fields=["state", "rejected_at", "rejected_reason"])
        if was_paid:
            paid = Payment.objects.select_for_update(no_key=True).filter(
                contribution=contribution, status=Payment.Status.PAID, refund_due=False).first()
            if paid is not None:
                refunds.append(_refund_for_rejection(paid, now=now).pk)
    registration_rejected_tell(registration_id=registration.pk, reason=RejectReason(reason).label, note=note)
    audit_record(request=request, actor=staff_user, action="registration.reject", target=registration,
                 details={"reason": reason, "note": note.strip()[:500], "refunds": refunds})
    return review


def _refund_for_rejection(payment: Payment, *, now: datetime) -> Refund:
    payment.refund_due = True
    payment.save(update_fields=["refund_due"])
    refund, _created = Refund.objects.get_or_create(
        payment=payment, defaults={"amount": payment.amount, "reason": Refund.Reason.REJECTED, "created_at": now})
    return refund
