"""The pending FPX payments a `make bench` run settles, made afresh by each run so that every run measures the same
thing: `direct` attempts the bank approves by direct AC during the run (ordered now, their AR still valid), and
`requery` attempts whose AC never came (ordered 70 minutes ago, due for an enquiry), of which the simulated FPX
knows three in four as approved by the bank (the enquiry settles them Paid: receipt number, cover, the receipt
email) and one in four never reached FPX (the enquiry's 76 closes them Failed, the AR having expired).

Written in bulk (one INSERT per table and batch), with the rows payment_start and contribution_renew write:

1. Every Pending attempt left over (the seeded renewals awaiting payment, an earlier run's attempts) is closed
   Failed with the log line of an attempt FPX never answered, as a new attempt (Pay Again) closes it.
2. Contributions awaiting payment (newest first) get a new attempt each: order numbers made as the start service
   makes them, the contribution's amount, a bank, and the AR in the FPX log.
3. When there are too few, registrations whose first period is paid and that have no renewal awaiting payment
   (the last registrations first, away from the people of `make bench-journey`) get a one-month renewal at the
   rate of their plan in force today (contribution_create's row), and then their attempt."""

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.kltime import kl
from matrix.core.money import money_times
from matrix.payments.fpx.messages import time_format
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.start import UNANSWERED_OUTCOME, _order_numbers
from matrix.reference.models import Bank, Plan
from matrix.registrations.models import Registration

SCALE_EMAILS = "@scale.example"
REQUERY_AGE = timedelta(minutes=70)
KNOWN_TO_FPX = 3  # of every 4 re-query attempts, the simulated FPX has this many (approved by the bank)
BATCH = 2000


@dataclass
class PendingMade:
    direct: list[int] = field(default_factory=list)  # payment ids, oldest first
    requery: list[int] = field(default_factory=list)
    requery_approved: int = 0
    closed: int = 0
    renewals_made: int = 0


def _close_left_over(now: datetime) -> int:
    left = list(Payment.objects.filter(status=Payment.Status.PENDING).values_list("pk", "seller_ex_order_no"))
    for start in range(0, len(left), BATCH):
        chunk = left[start:start + BATCH]
        Payment.objects.filter(pk__in=[pk for pk, _ in chunk], status=Payment.Status.PENDING).update(
            status=Payment.Status.FAILED, settled_at=now)
        FpxMessage.objects.bulk_create([
            FpxMessage(payment_id=pk, channel=FpxMessage.Channel.AR, seller_ex_order_no=order_no, body="",
                       outcome=f"{UNANSWERED_OUTCOME} (bench: left by an earlier run)", received_at=now)
            for pk, order_no in chunk])
    return len(left)


def _renewals_make(count: int, now: datetime) -> int:
    """`count` one-month renewals awaiting payment (fewer if the data has no more registrations to renew)."""
    if count <= 0:
        return 0
    today = kl(now).date()
    in_force = {plan.number: plan for plan in Plan.objects.in_force(today)}
    last_plan = (Contribution.objects.filter(registration=OuterRef("pk"), state=Contribution.State.PAID)
                 .order_by("-created_at").values("plan__number")[:1])
    unpaid_renewal = Contribution.objects.filter(registration=OuterRef("pk"), kind=Contribution.Kind.RENEWAL,
                                                 state=Contribution.State.AWAITING_PAYMENT)
    first_paid = Contribution.objects.filter(registration=OuterRef("pk"), kind=Contribution.Kind.REGISTRATION,
                                             state=Contribution.State.PAID)
    rows = (Registration.objects.current().filter(person__user__email__endswith=SCALE_EMAILS)
            .filter(Exists(first_paid)).exclude(Exists(unpaid_renewal))
            .annotate(plan_number=Subquery(last_plan)).order_by("-pk").values_list("pk", "plan_number")[:count])
    made = []
    for registration_id, number in rows:
        plan = in_force.get(number) or next(iter(in_force.values()))
        made.append(Contribution(
            registration_id=registration_id, kind=Contribution.Kind.RENEWAL,
            state=Contribution.State.AWAITING_PAYMENT, plan=plan, monthly_contribution=plan.monthly_contribution,
            months=1, amount=money_times(plan.monthly_contribution, 1), created_at=now))
    Contribution.objects.bulk_create(made, batch_size=BATCH)
    return len(made)


def _attempts(contributions: list[Contribution], *, moment: datetime, banks: list[Bank],
              rng: random.Random) -> list[Payment]:
    payments, messages, taken = [], [], set()
    for contribution in contributions:
        # The start service's numbers: one second's stamp and a random token, which thousands of attempts made
        # in the same second can repeat (the start service makes one at a time): draw again until unique.
        ex_order_no, order_no = _order_numbers(contribution=contribution, moment=moment)
        while ex_order_no in taken:
            ex_order_no, order_no = _order_numbers(contribution=contribution, moment=moment)
        taken.add(ex_order_no)
        bank = rng.choice(banks)
        payments.append(Payment(
            contribution=contribution, seller_ex_order_no=ex_order_no, seller_order_no=order_no,
            seller_txn_time=time_format(moment), amount=contribution.amount, bank=bank, buyer_bank_id=bank.code,
            created_at=moment))
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    for payment in payments:
        messages.append(FpxMessage(
            payment=payment, channel=FpxMessage.Channel.AR, seller_ex_order_no=payment.seller_ex_order_no,
            body=(f"fpx_msgType=AR&fpx_sellerExOrderNo={payment.seller_ex_order_no}"
                  f"&fpx_txnAmount={payment.amount:.2f}"),
            outcome="sent to the browser", received_at=moment))
    FpxMessage.objects.bulk_create(messages, batch_size=BATCH)
    return payments


def _known_to_fpx(payments: list[Payment], *, now: datetime, base_url: str) -> int:
    """The simulated FPX's record of these attempts: the AR arrived and the buyer approved at the bank."""
    from matrix.fpx_simulator.models import CODE_APPROVED, SimulatedTransaction

    decided = now - REQUERY_AGE + timedelta(minutes=2)
    stamp = kl(decided).strftime("%y%m%d%H%M%S")
    offset = secrets.randbelow(5000)
    rows = [SimulatedTransaction(
        seller_ex_id=settings.FPX_SELLER_EX_ID, seller_id=settings.FPX_SELLER_ID,
        seller_ex_order_no=payment.seller_ex_order_no, seller_order_no=payment.seller_order_no,
        seller_txn_time=payment.seller_txn_time, amount=payment.amount, bank=payment.bank,
        buyer_name="BENCH BUYER", fpx_txn_id=f"{stamp}{(offset + number) % 10000:04d}", fpx_txn_time=decided,
        status=SimulatedTransaction.Status.APPROVED, debit_auth_code=CODE_APPROVED,
        debit_auth_no=f"{number:08d}", buyer_account_name="BENCH BUYER", merchant_base_url=base_url,
        bank_token=secrets.token_urlsafe(24), created_at=decided, updated_at=decided, decided_at=decided)
        for number, payment in enumerate(payments)]
    SimulatedTransaction.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@transaction.atomic
def pending_payments_make(*, direct: int, requery: int, base_url: str, now: datetime | None = None) -> PendingMade:
    """`direct` + `requery` new Pending attempts (fewer only if the data runs out of contributions to pay)."""
    now = now or timezone.now()
    rng = random.Random(now.timestamp())
    made = PendingMade(closed=_close_left_over(now))
    wanted = direct + requery
    awaiting = Contribution.objects.filter(state=Contribution.State.AWAITING_PAYMENT,
                                           registration__person__user__email__endswith=SCALE_EMAILS)
    short = wanted - awaiting.count()
    made.renewals_made = _renewals_make(short, now)
    contributions = list(awaiting.order_by("-pk")[:wanted])
    banks = list(Bank.objects.filter(is_active=True).order_by("code"))
    direct_rows = _attempts(contributions[:direct], moment=now, banks=banks, rng=rng)
    requery_rows = _attempts(contributions[direct:], moment=now - REQUERY_AGE, banks=banks, rng=rng)
    made.direct = [payment.pk for payment in direct_rows]
    made.requery = [payment.pk for payment in requery_rows]
    known = [payment for number, payment in enumerate(requery_rows) if number % 4 < KNOWN_TO_FPX]
    made.requery_approved = _known_to_fpx(known, now=now, base_url=base_url)
    return made


def requery_only(requery: list[int], *, now: datetime | None = None) -> None:
    """Make the run's re-query attempts due now and every other pending attempt (direct ACs that did not arrive
    during the run) not due, so the periodic run asks about exactly this run's set."""
    now = now or timezone.now()
    Payment.objects.filter(pk__in=requery, status=Payment.Status.PENDING).update(
        next_enquiry_at=now - timedelta(seconds=1))
    Payment.objects.filter(status=Payment.Status.PENDING).exclude(pk__in=requery).update(
        next_enquiry_at=now + timedelta(days=1))
