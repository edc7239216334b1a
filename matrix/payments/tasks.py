"""Periodic work on payments (scheduled by CELERY_BEAT_SCHEDULE in config/settings/celery.py)."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from matrix.payments.fpx.exceptions import PaymentError
from matrix.payments.selectors import payments_pending_older_than
from matrix.payments.services import payment_requery

logger = logging.getLogger(__name__)

BATCH = 200


@shared_task(name="matrix.payments.tasks.payments_requery_pending")
def payments_requery_pending() -> dict[str, int]:
    """Send AE for every payment pending longer than FPX_REQUERY_AFTER_SECONDS and settle it with the answer.
    One payment's failure (FPX unreachable, refused answer) does not stop the others."""
    cutoff = timezone.now() - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS)
    counts = {"queried": 0, "settled": 0, "errors": 0}
    for payment in payments_pending_older_than(cutoff=cutoff)[:BATCH]:
        try:
            result = payment_requery(payment=payment)
        except PaymentError as exc:
            counts["errors"] += 1
            logger.warning("FPX re-query of %s failed: %s", payment.seller_ex_order_no, exc)
            continue
        except Exception:  # noqa: BLE001 - one payment's unexpected error (e.g. a database deadlock) skips only it
            counts["errors"] += 1
            logger.exception("FPX re-query of %s failed unexpectedly", payment.seller_ex_order_no)
            continue
        counts["queried"] += 1
        if result.payment is not None and result.payment.status != payment.status:
            counts["settled"] += 1
    logger.info("FPX re-query of pending payments: %s", counts)
    return counts


@shared_task(name="matrix.payments.tasks.payment_requery_one")
def payment_requery_one(payment_id: int) -> str:
    """Ask FPX about one pending payment (queued when its PAYMENT DETAILS page opens; never run in a request)."""
    from matrix.payments.models import Payment

    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.PENDING).first()
    if payment is None:
        return "not pending"
    try:
        return payment_requery(payment=payment).outcome
    except PaymentError as exc:
        logger.warning("FPX re-query of %s failed: %s", payment.seller_ex_order_no, exc)
        return f"error: {exc}"
