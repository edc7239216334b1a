"""Ask FPX (AE) how a pending payment ended, and settle it with the answer: the bounded life of a Pending payment.

A pending payment is asked about FPX_REQUERY_AFTER_SECONDS after its AR, then after each step of
FPX_REQUERY_BACKOFF_SECONDS (the last step repeats), never later than FPX_PENDING_MAX_AGE_SECONDS after the AR;
an enquiry at that age that leaves it pending (09/99 again, FPX unreachable, an answer we refuse) marks it Needs
attention with the reason. Each enquiry is claimed first (a conditional UPDATE on the attempt's enquiry count),
so two runs, or a run and a person's page, never ask about one payment twice at once, on PostgreSQL as on SQLite.
No transaction is held open during the HTTP call.

`payments_requery_run` is the periodic run: it holds a lease (a JobLease row with an expiry, so runs never overlap
across processes, and a run that died frees it), and it stops after its time budget, leaving the rest to the
next run.
"""

import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from matrix.payments.fpx import client, config
from matrix.payments.fpx.exceptions import PaymentError
from matrix.payments.fpx.messages import ae_build
from matrix.payments.models import FpxMessage, JobLease, Payment
from matrix.payments.selectors import payments_requery_due
from matrix.payments.services.order import order_for
from matrix.payments.services.settle import SettleResult, mark_needs_attention, payment_settle_body

logger = logging.getLogger(__name__)

Channel = FpxMessage.Channel
Status = Payment.Status

# When an enquiry may be sent: ALWAYS (a direct call), SCHEDULED (the periodic run: the backoff says it is due),
# ON_DEMAND (a person's PAYMENT DETAILS page: due, or not asked within FPX_ENQUIRY_MIN_INTERVAL_SECONDS).
ALWAYS, SCHEDULED, ON_DEMAND = "always", "scheduled", "on_demand"

REQUERY_LEASE = "payments-requery"
BATCH = 1000
DEFAULT_CONCURRENCY = 8


# --- the schedule -----------------------------------------------------------------------------------------------

def enquiry_next_at(*, created_at: datetime, enquiry_count: int, asked_at: datetime) -> datetime:
    """When to ask again after enquiry number `enquiry_count` (1 = the first) sent at `asked_at`: the backoff's
    step, but never after the payment's maximum age (the last enquiry is made at that age)."""
    steps = settings.FPX_REQUERY_BACKOFF_SECONDS or [6 * 60 * 60]
    step = steps[min(max(enquiry_count, 1) - 1, len(steps) - 1)]
    deadline = created_at + timedelta(seconds=settings.FPX_PENDING_MAX_AGE_SECONDS)
    return max(min(asked_at + timedelta(seconds=step), deadline), asked_at)


def _is_due(payment: Payment, *, now: datetime, when: str) -> bool:
    if when == ALWAYS:
        return payment.status in (Status.PENDING, Status.NEEDS_ATTENTION)
    if payment.status != Status.PENDING:
        return False
    if payment.next_enquiry_at is not None:
        due = payment.next_enquiry_at <= now
    else:
        due = payment.created_at <= now - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS)
    if due or when != ON_DEMAND:
        return due
    interval = timedelta(seconds=settings.FPX_ENQUIRY_MIN_INTERVAL_SECONDS)
    last = payment.last_enquiry_at
    return payment.created_at <= now - interval and (last is None or last <= now - interval)


def _claim(payment: Payment, *, now: datetime, when: str) -> dict[str, str] | None:
    """Record the enquiry (count, times, the AE in the log) if it is due and nobody else claimed it meanwhile;
    the signed AE fields, or None. One short transaction, committed before the AE leaves."""
    payment = Payment.objects.select_related("contribution__registration__person__user").get(pk=payment.pk)
    if not _is_due(payment, now=now, when=when):
        return None
    count = payment.enquiry_count + 1
    fields = ae_build(seller=config.seller(), order=order_for(payment), private_key=config.private_key())
    with transaction.atomic():
        claimed = Payment.objects.filter(
            pk=payment.pk, status=payment.status, enquiry_count=payment.enquiry_count
        ).update(
            enquiry_count=F("enquiry_count") + 1, last_enquiry_at=now,
            next_enquiry_at=enquiry_next_at(created_at=payment.created_at, enquiry_count=count, asked_at=now),
        )
        if not claimed:
            return None
        FpxMessage.objects.create(payment=payment, channel=Channel.AE, seller_ex_order_no=payment.seller_ex_order_no,
                                  body=urlencode(fields), outcome=f"sent (enquiry {count})", received_at=now)
    return fields


@transaction.atomic
def payment_attention_if_overdue(*, payment: Payment, reason: str, now: datetime | None = None) -> bool:
    """A payment still Pending at its maximum age goes to Needs attention with `reason`. True when it did."""
    now = now or timezone.now()
    payment = (Payment.objects.select_for_update(of=("self",), no_key=True)
               .filter(pk=payment.pk, status=Status.PENDING).first())
    if payment is None or now - payment.created_at < timedelta(seconds=settings.FPX_PENDING_MAX_AGE_SECONDS):
        return False
    days = (now - payment.created_at) / timedelta(days=1)
    mark_needs_attention(payment, reason=f"still pending {days:.1f} days after the order; {reason}")
    logger.error("FPX payment %s needs attention: %s", payment.seller_ex_order_no, reason)
    return True


# --- one enquiry ------------------------------------------------------------------------------------------------

def payment_requery(*, payment: Payment, now: datetime | None = None, when: str = ALWAYS) -> SettleResult | None:
    """Ask FPX (AE) how a payment ended and settle it with the answer; None when it was not due (see `when`) or
    another worker claimed it. Raises GatewayError when FPX cannot be reached (after marking the payment Needs
    attention when it has reached its maximum age)."""
    asked_at = now or timezone.now()
    fields = _claim(payment, now=asked_at, when=when)
    if fields is None:
        return None
    try:
        answer = client.enquiry_send(fields)
    except Exception as exc:
        if _may_be_overdue(payment, now=now):
            payment_attention_if_overdue(payment=payment, reason=f"enquiry failed: {exc}", now=now)
        raise
    result = payment_settle_body(raw_body=answer, channel=Channel.AE_REPLY, now=now)
    if _may_be_overdue(payment, now=now) and not (result.payment is not None and result.payment.status in (
            Status.PAID, Status.FAILED)):
        payment_attention_if_overdue(payment=payment, reason=f"last answer: {result.outcome}", now=now)
    return result


def _may_be_overdue(payment: Payment, *, now: datetime | None) -> bool:
    """Whether the payment may have reached its maximum age (its AR time never changes), so that only those are
    locked again to look (`payment_attention_if_overdue` decides under the lock)."""
    return (now or timezone.now()) - payment.created_at >= timedelta(seconds=settings.FPX_PENDING_MAX_AGE_SECONDS)


# --- the periodic run -------------------------------------------------------------------------------------------

def lease_acquire(*, name: str, ttl_seconds: float, now: datetime | None = None) -> str | None:
    """Take the named lease until now + ttl if it is free (or expired); the holder token, or None."""
    now = now or timezone.now()
    try:
        JobLease.objects.get_or_create(name=name, defaults={"held_until": now - timedelta(seconds=1)})
    except IntegrityError:  # created by a concurrent caller: it exists now
        pass
    token = secrets.token_hex(16)
    taken = JobLease.objects.filter(name=name, held_until__lte=now).update(
        holder=token, held_until=now + timedelta(seconds=ttl_seconds))
    return token if taken else None


def lease_release(*, name: str, token: str) -> None:
    JobLease.objects.filter(name=name, holder=token).update(holder="", held_until=timezone.now())


def requery_concurrency() -> int:
    """How many enquiries a run has in flight at once (settings.FPX_REQUERY_CONCURRENCY, default 8): FPX answers
    each in tens of milliseconds, so one at a time leaves a national backlog waiting on the network."""
    return max(1, int(getattr(settings, "FPX_REQUERY_CONCURRENCY", DEFAULT_CONCURRENCY)))


def payments_requery_run(*, budget_seconds: float | None = None, clock: Callable[[], float] = time.monotonic,
                         batch: int | None = None, concurrency: int | None = None) -> dict[str, int]:
    """Ask FPX about every pending payment whose enquiry is due, oldest due first, until the time budget is
    spent. `busy` is 1 when another run holds the lease (this one then does nothing). One payment's failure
    (FPX unreachable, a refused answer, an unexpected error) does not stop the others.

    Up to `concurrency` enquiries are in flight at once (a bounded pool of threads, each with its own database
    connection); each one is still claimed exactly once (`_claim`'s conditional UPDATE). Inside an open
    transaction (whose rows other connections cannot see), and on SQLite, the run asks one at a time."""
    budget = settings.FPX_REQUERY_RUN_BUDGET_SECONDS if budget_seconds is None else budget_seconds
    counts = {"queried": 0, "settled": 0, "attention": 0, "errors": 0, "deferred": 0, "busy": 0}
    token = lease_acquire(name=REQUERY_LEASE, ttl_seconds=budget + 120)  # + one enquiry's worst case
    if token is None:
        counts["busy"] = 1
        return counts
    try:
        started = clock()
        due = list(payments_requery_due(now=timezone.now())[:batch or BATCH])
        threads = min(concurrency or requery_concurrency(), len(due))
        # SQLite (the embedded default) writes one transaction at a time: a pool would only meet "database is
        # locked"; inside an open transaction other connections could not see its rows.
        if threads <= 1 or connection.in_atomic_block or connection.vendor == "sqlite":
            threads = 1
        _run_pool(due, counts, threads=threads, over=lambda: clock() - started >= budget)
    finally:
        lease_release(name=REQUERY_LEASE, token=token)
    logger.info("FPX re-query of pending payments: %s", counts)
    return counts


def _run_pool(due: list[Payment], counts: dict[str, int], *, threads: int, over: Callable[[], bool]) -> None:
    """Ask about each of `due` once, `threads` at a time, until `over()` says the budget is spent; the payments
    never taken are counted `deferred`."""
    queue = iter(due)
    lock = threading.Lock()

    def take() -> Payment | None:
        with lock:
            if over():
                counts["deferred"] += sum(1 for _ in queue)
                return None
            return next(queue, None)

    def work(own_connection: bool) -> None:
        try:
            while (payment := take()) is not None:
                _run_one(payment, counts, lock)
        finally:
            if own_connection:
                connection.close()  # this thread's own connection (Django's are per thread)

    if threads == 1:
        work(own_connection=False)
        return
    pool = [threading.Thread(target=work, args=(True,), name=f"requery-{n}", daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def _run_one(payment: Payment, counts: dict[str, int], lock: threading.Lock) -> None:
    outcome = "queried"
    try:
        result = payment_requery(payment=payment, when=SCHEDULED)
    except PaymentError as exc:
        outcome = "errors"
        logger.warning("FPX re-query of %s failed: %s", payment.seller_ex_order_no, exc)
    except Exception:  # noqa: BLE001 - one payment's unexpected error (e.g. a database deadlock) skips only it
        outcome = "errors"
        logger.exception("FPX re-query of %s failed unexpectedly", payment.seller_ex_order_no)
    else:
        if result is None:  # no longer due: settled or asked about meanwhile
            return
    try:
        status = Payment.objects.values_list("status", flat=True).get(pk=payment.pk)
    except Exception:  # noqa: BLE001 - the count only; the pool thread goes on with its other payments
        logger.exception("status of %s after its re-query not read", payment.seller_ex_order_no)
        status = None
    with lock:
        counts[outcome] += 1
        if status in (Status.PAID, Status.FAILED):
            counts["settled"] += 1
        elif status == Status.NEEDS_ATTENTION:
            counts["attention"] += 1


ENQUIRY_MIN_INTERVAL = timedelta(seconds=60)


def payment_requery_queue_if_due(*, payment: Payment) -> bool:
    """Queue an enquiry (AE) about a pending payment older than the re-query threshold, after commit; the page
    never waits for FPX (PAYMENT DETAILS and the API's payment status call this). At most one is queued per
    payment per ENQUIRY_MIN_INTERVAL."""
    now = timezone.now()
    if payment.status != Payment.Status.PENDING:
        return False
    if payment.created_at > now - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS):
        return False
    if payment.last_enquiry_at and payment.last_enquiry_at > now - ENQUIRY_MIN_INTERVAL:
        return False
    try:
        first = cache.add(f"payments:requery-queued:{payment.pk}", 1, timeout=int(ENQUIRY_MIN_INTERVAL.total_seconds()))
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: the periodic re-query asks FPX
        logger.warning("Enquiry about payment %s not queued, the cache is unavailable: %s", payment.pk,
                       exc.__class__.__name__)
        return False
    if not first:
        return False
    payment_id = payment.pk
    from matrix.payments import tasks  # tasks import these services

    transaction.on_commit(lambda: tasks.payment_requery_one.delay(payment_id), robust=True)
    return True
