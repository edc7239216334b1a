"""Periodic and queued work on payments (scheduled by CELERY_BEAT_SCHEDULE in config/settings/celery.py).

Thin: the schedule, the lease and the time budget live in services/requery.py."""

import logging

from celery import shared_task

from matrix.payments.fpx.exceptions import PaymentError
from matrix.payments.models import Payment
from matrix.payments.services.requery import ON_DEMAND, payment_requery, payments_requery_run
from matrix.payments.services.settle import payments_tell_pending

logger = logging.getLogger(__name__)

TELL_SWEEP_LIMIT = 500


@shared_task(name="matrix.payments.tasks.payments_requery_pending")
def payments_requery_pending() -> dict[str, int]:
    """Send AE for every pending payment whose enquiry is due (backoff) and settle it with the answer; a run
    never overlaps another (`busy`: 1) and stops after its time budget (`deferred`: left to the next run)."""
    # Settlements whose kick was lost (a web process gone before its task left); bounded, so a backlog after a
    # broker outage does not hold up the enquiries (the rest go with the next runs and kicks).
    payments_tell_pending(limit=TELL_SWEEP_LIMIT)
    return payments_requery_run()


@shared_task(name="matrix.payments.tasks.payment_requery_one")
def payment_requery_one(payment_id: int) -> str:
    """Ask FPX about one pending payment (queued when its PAYMENT DETAILS page opens; never run in a request).
    Page reloads cannot hammer FPX: it asks only when the backoff says so or when the payment was not asked
    about within FPX_ENQUIRY_MIN_INTERVAL_SECONDS."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != Payment.Status.PENDING:
        return "not pending"
    try:
        result = payment_requery(payment=payment, when=ON_DEMAND)
    except PaymentError as exc:
        logger.warning("FPX re-query of %s failed: %s", payment.seller_ex_order_no, exc)
        return f"error: {exc}"
    return "not due" if result is None else result.outcome



@shared_task(name="matrix.payments.tasks.payments_settled_tell")
def payments_settled_tell() -> int:
    """Tell the people of every committed settlement not told yet (kicked after settlements, and swept with the
    re-query): the receipt email (with its PDF) and the SMS, once each (a claimed row, and their event keys)."""
    return payments_tell_pending()
