"""Reads on payments. Everything a person opens is looked up through its owner: another person's id is a 404."""

from dataclasses import fields as dataclass_fields
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import db_datetime, db_money
from matrix.payments.models import Payment, Refund
from matrix.payments.receipts import ReceiptFacts

RECEIPT_STAFF_PERMISSION = "payments.view_payment"

_PAYMENT_RELATED = (
    "bank",
    "branch",
    "refund",
    "contribution__plan",
    "contribution__registration__sector",
    "contribution__registration__person__user",
)


def payments_with_details() -> QuerySet[Payment]:
    return Payment.objects.select_related(*_PAYMENT_RELATED)


def payment_get_for_owner(*, payment_id: int, user) -> Payment:
    return get_object_or_404(payments_with_details(), pk=payment_id, contribution__registration__person__user=user)


def payment_for_details(*, payment_id: int, user) -> Payment:
    """PAYMENT DETAILS' payment with what the page shows: no join to the account (the owner is the person's
    user_id). Every column is read: the page's body is kept under a key made of them (contributions.bodies)."""
    payments = Payment.objects.select_related(
        "bank", "branch", "refund", "contribution__registration__sector", "contribution__registration__person",
    )
    return get_object_or_404(payments, pk=payment_id, contribution__registration__person__user_id=user.pk)


# A payment with the rows its pages show: its contribution, registration, person, sector, bank, branch, refund.
_PAYMENT_JOINS = """
FROM payments_payment p
JOIN contributions_contribution c ON c.id = p.contribution_id
JOIN registrations_registration r ON r.id = c.registration_id
JOIN registrations_selfemployedperson sp ON sp.id = r.person_id
JOIN reference_sector se ON se.id = r.sector_id
LEFT JOIN reference_bank b ON b.id = p.bank_id
LEFT JOIN reference_branch br ON br.id = p.branch_id
LEFT JOIN payments_refund rf ON rf.payment_id = p.id
"""

_RECEIPT_SQL = """
SELECT p.id, p.status, p.receipt_no, p.refund_due, rf.reason, p.amount, p.fpx_txn_id, b.name, p.buyer_bank_id,
       p.paid_at, p.settled_at, p.method, br.name, p.counter_method, p.counter_reference, c.start_at, c.end_at,
       c.months, c.monthly_contribution, sp.self_employed_code, u.full_name, u.id_number, se.name_en, se.name_ms,
       sp.user_id
""" + _PAYMENT_JOINS + """JOIN accounts_user u ON u.id = sp.user_id
WHERE p.id = %(payment)s AND p.status = %(paid)s
"""


def receipt_facts_for_download(*, payment_id: int, user) -> ReceiptFacts:
    """What a paid payment's receipt shows, for its owner or staff allowed to view payments (404 for anyone
    else), read by one written statement: the download no longer builds eight model instances to draw from."""
    with connection.cursor() as cursor:
        cursor.execute(_RECEIPT_SQL, {"payment": payment_id, "paid": Payment.Status.PAID})
        row = cursor.fetchone()
    if row is None:
        raise Http404
    *values, owner_id = row
    if owner_id != user.pk and not (getattr(user, "is_staff", False) and user.has_perm(RECEIPT_STAFF_PERMISSION)):
        raise Http404
    facts = dict(zip([field.name for field in dataclass_fields(ReceiptFacts)], values, strict=True))
    for name in ("paid_at", "settled_at", "start_at", "end_at"):
        facts[name] = db_datetime(facts[name])
    for name in ("amount", "monthly_contribution"):
        facts[name] = db_money(facts[name])
    facts["refund_due"] = bool(facts["refund_due"])
    return ReceiptFacts(**facts)


_DETAILS_ROW_SQL = """
SELECT p.status, c.state, p.*, c.*, rf.*, b.name, br.name, se.name_en, se.name_ms, sp.self_employed_code
""" + _PAYMENT_JOINS + """WHERE p.id = %s AND sp.user_id = %s
"""


def payment_details_row(*, payment_id: int, user) -> tuple[str, str, tuple] | None:
    """(the payment's status, its contribution's state, the row): every column PAYMENT DETAILS of a settled
    attempt follows from, as the database gives them (its kept page's key); None when the person has no such
    payment."""
    with connection.cursor() as cursor:
        cursor.execute(_DETAILS_ROW_SQL, [payment_id, user.pk])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], tuple(row[2:]))


def contribution_get_for_owner(*, contribution_id: int, user) -> Contribution:
    return get_object_or_404(
        Contribution.objects.select_related("plan", "registration__sector", "registration__person__user"),
        pk=contribution_id,
        registration__person__user=user,
    )


def contribution_payment_pending(*, contribution: Contribution) -> Payment | None:
    return contribution.payments.filter(status=Payment.Status.PENDING).first()


def contribution_payment_paid(*, contribution: Contribution) -> Payment | None:
    return contribution.payments.filter(status=Payment.Status.PAID, refund_due=False).first()


def payment_enquiry_due_q(*, now: datetime) -> Q:
    """Pending payments whose next enquiry (AE) is due: at `next_enquiry_at`, or, never asked yet,
    FPX_REQUERY_AFTER_SECONDS after the AR (indexed on (status, next_enquiry_at) and (status, created_at))."""
    first = now - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS)
    return Q(status=Payment.Status.PENDING) & (
        Q(next_enquiry_at__lte=now) | Q(next_enquiry_at__isnull=True, created_at__lte=first)
    )


def payments_requery_due(*, now: datetime) -> QuerySet[Payment]:
    """Pending payments due for an enquiry, the longest overdue first (never asked: by their AR time)."""
    return Payment.objects.filter(payment_enquiry_due_q(now=now)).order_by(
        F("next_enquiry_at").asc(nulls_first=True), "created_at", "pk"
    )


def payments_needing_attention() -> QuerySet[Payment]:
    return payments_with_details().filter(status=Payment.Status.NEEDS_ATTENTION).order_by("created_at", "pk")


def refunds_open() -> QuerySet[Refund]:
    """Refunds not paid back yet (Due or Approved), oldest first."""
    return (Refund.objects.exclude(state=Refund.State.PAID)
            .select_related(*(f"payment__{name}" for name in _PAYMENT_RELATED), "payment")
            .order_by("created_at", "pk"))
