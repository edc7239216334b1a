"""Reads on contributions for the pages: each runs a fixed number of queries whatever the number of rows."""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

from dateutil.relativedelta import relativedelta
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language, gettext

from matrix.contributions.models import Contribution, ContributionStatus, contribution_status
from matrix.core.coverage import Period, cover_ended, renewal_period
from matrix.core.kltime import kl, kl_format
from matrix.core.money import money_format
from matrix.payments.models import Payment
from matrix.reference.models import Plan
from matrix.registrations.models import Document, Registration

PLAN_LOCK_MONTHS = 12


def payments_newest_first():
    return Payment.objects.select_related("bank").order_by("-created_at", "-pk")


def payment_shown(payments: list[Payment]) -> Payment | None:
    """The attempt whose status the contribution shows: the paid one (not a refund) wins; else the latest."""
    for payment in payments:
        if payment.status == Payment.Status.PAID and not payment.refund_due:
            return payment
    return payments[0] if payments else None


def contribution_history(*, user):
    """The person's contributions, newest first, with sector, plan and payment attempts loaded."""
    return (
        Contribution.objects.filter(registration__person__user=user)
        .select_related("registration__sector", "plan")
        .prefetch_related(Prefetch("payments", queryset=payments_newest_first()))
        .order_by("-created_at", "-pk")
    )


def _registrations_renewal_facts(*, user):
    """Per registration of the person: its newest paid contribution, the last second of its paid cover, whether
    the first period is paid, whether a renewal awaits payment. One query."""
    contributions = Contribution.objects.filter(registration=OuterRef("pk"))
    return Registration.objects.filter(person__user=user).annotate(
        latest_end=Max("contributions__end_at", filter=Q(contributions__state=Contribution.State.PAID)),
        newest_paid_id=Subquery(
            contributions.filter(state=Contribution.State.PAID).order_by("-end_at", "-pk").values("pk")[:1]
        ),
        first_paid=Exists(contributions.filter(kind=Contribution.Kind.REGISTRATION, state=Contribution.State.PAID)),
        unpaid_renewal=Exists(
            contributions.filter(kind=Contribution.Kind.RENEWAL, state=Contribution.State.AWAITING_PAYMENT)
        ),
    )


@dataclass
class HistoryRow:
    contribution: Contribution
    status: str
    status_label: str
    payment: Payment | None
    paid_payment: Payment | None
    renew_now: bool


def history_rows(*, user, contributions, now: datetime | None = None) -> list[HistoryRow]:
    """Decorate one page of `contribution_history` for the table (one extra query for the whole page)."""
    now = now or timezone.now()
    facts = {
        registration.pk: registration
        for registration in _registrations_renewal_facts(user=user).only("pk")
    }
    rows = []
    for contribution in contributions:
        payments = list(contribution.payments.all())
        shown = payment_shown(payments)
        fact = facts.get(contribution.registration_id)
        renew_now = bool(
            fact is not None
            and fact.first_paid
            and not fact.unpaid_renewal
            and fact.newest_paid_id == contribution.pk
        )
        status = contribution.status_at(now, sector_end=fact.latest_end if fact is not None else None)
        rows.append(
            HistoryRow(
                contribution=contribution,
                status=status,
                status_label=str(ContributionStatus(status).label),
                payment=shown,
                paid_payment=shown if shown is not None and shown.status == Payment.Status.PAID else None,
                renew_now=renew_now,
            )
        )
    return rows


# The Contribution History page ---------------------------------------------------------------------------------

URL_SENTINEL = 987654321


def url_maker(name: str):
    """`name`'s URL for any pk, reversed once (reversing per row is a third of a row's rendering)."""
    pattern = reverse(name, args=[URL_SENTINEL])
    return lambda pk: pattern.replace(str(URL_SENTINEL), str(pk))


@dataclass(frozen=True)
class HistoryLine:
    """One row of the Contribution History table, as the page shows it (text already formatted)."""

    pk: int
    start: str
    end: str
    sector: str
    plan: str
    months: str
    amount: str
    status: str
    status_label: str
    payment_status: str  # PAID, PENDING, FAILED (Failed or Needs attention), "" (no attempt)
    payment_label: str
    detail_url: str
    receipt_url: str
    renew_url: str


# Raw rows: a page's SQL is written once, not compiled from annotated querysets on every request (that cost more
# Python than the query itself). SQLite hands back text for datetimes and floats for decimals; these two give the
# values the ORM would.

def db_datetime(value) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def db_money(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENTS)


CENTS = Decimal("0.01")

_HISTORY_SQL = """
SELECT c.id, c.registration_id, c.kind, c.state, c.start_at, c.end_at, c.months, c.amount,
       pl.monthly_contribution, se.name_en, se.name_ms,
       (SELECT p.id FROM payments_payment p WHERE p.contribution_id = c.id
         ORDER BY CASE WHEN p.status = %(paid)s AND NOT p.refund_due THEN 0 ELSE 1 END, p.created_at DESC, p.id DESC
         LIMIT 1) AS shown_payment_id,
       (SELECT p.status FROM payments_payment p WHERE p.contribution_id = c.id
         ORDER BY CASE WHEN p.status = %(paid)s AND NOT p.refund_due THEN 0 ELSE 1 END, p.created_at DESC, p.id DESC
         LIMIT 1) AS shown_payment_status,
       (SELECT o.end_at FROM contributions_contribution o WHERE o.registration_id = c.registration_id
         AND o.state = %(paid)s ORDER BY o.end_at DESC LIMIT 1) AS sector_latest_end,
       (SELECT o.id FROM contributions_contribution o WHERE o.registration_id = c.registration_id
         AND o.state = %(paid)s ORDER BY o.end_at DESC, o.id DESC LIMIT 1) AS newest_paid_id,
       EXISTS(SELECT 1 FROM contributions_contribution o WHERE o.registration_id = c.registration_id
         AND o.state = %(paid)s AND o.kind = %(first)s) AS first_paid,
       EXISTS(SELECT 1 FROM contributions_contribution o WHERE o.registration_id = c.registration_id
         AND o.kind = %(renewal)s AND o.state = %(awaiting)s) AS unpaid_renewal,
       COUNT(*) OVER () AS total
FROM contributions_contribution c
JOIN registrations_registration r ON r.id = c.registration_id
JOIN registrations_selfemployedperson sp ON sp.id = r.person_id
JOIN reference_plan pl ON pl.id = c.plan_id
JOIN reference_sector se ON se.id = r.sector_id
WHERE sp.user_id = %(user)s
ORDER BY c.created_at DESC, c.id DESC
LIMIT %(limit)s OFFSET %(offset)s
"""

_HISTORY_COLUMNS = ("pk", "registration_id", "kind", "state", "start_at", "end_at", "months", "amount",
                    "plan__monthly_contribution", "registration__sector__name_en", "registration__sector__name_ms",
                    "shown_payment_id", "shown_payment_status", "sector_latest_end", "newest_paid_id",
                    "first_paid", "unpaid_renewal", "total")


class _HistoryRows:
    """The person's history rows for a Paginator, newest first, as plain dicts (_HISTORY_COLUMNS). The
    paginator asks for the count first: that reads the page it will ask for next (its window count is the
    total), so a page in range costs one query; only a page past the end adds a plain count."""

    def __init__(self, *, user_id: int, page_number: int, per_page: int):
        self.user_id, self.per_page = user_id, per_page
        self.offset = (max(page_number, 1) - 1) * per_page
        self.rows: list[dict] | None = None
        self.total: int | None = None
        self.raw: dict[int, list[tuple]] = {}  # offset: the rows read there, as the database gave them

    def _read(self, offset: int, limit: int) -> list[dict]:
        params = {"paid": Contribution.State.PAID, "first": Contribution.Kind.REGISTRATION,
                  "renewal": Contribution.Kind.RENEWAL, "awaiting": Contribution.State.AWAITING_PAYMENT,
                  "user": self.user_id, "limit": limit, "offset": offset}
        with connection.cursor() as cursor:
            cursor.execute(_HISTORY_SQL, params)
            self.raw[offset] = raw = cursor.fetchall()
            rows = [dict(zip(_HISTORY_COLUMNS, row, strict=True)) for row in raw]
        for row in rows:
            for name in ("start_at", "end_at", "sector_latest_end"):
                row[name] = db_datetime(row[name])
            row["amount"] = db_money(row["amount"])
            row["plan__monthly_contribution"] = db_money(row["plan__monthly_contribution"])
        return rows

    def count(self) -> int:
        if self.total is None:
            self.rows = self._read(self.offset, self.per_page)
            if self.rows:
                self.total = self.rows[0]["total"]
            else:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT COUNT(*) FROM contributions_contribution c JOIN registrations_registration r"
                        " ON r.id = c.registration_id JOIN registrations_selfemployedperson sp"
                        " ON sp.id = r.person_id WHERE sp.user_id = %s", [self.user_id])
                    self.total = cursor.fetchone()[0]
        return self.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key: slice) -> list[dict]:
        start, stop = key.start or 0, key.stop
        if self.rows is not None and start == self.offset:
            return self.rows[: stop - start]
        return self._read(start, stop - start)


def history_page(*, user, page_number, per_page: int, now: datetime | None = None):
    """One page of Contribution History: (the paginator's page, its HistoryLines). One query for a page in
    range (the rows, with the total as a window count)."""
    page = history_page_rows(user=user, page_number=page_number, per_page=per_page)
    return page, history_lines(page.object_list, now=now or timezone.now())


def history_page_rows(*, user, page_number, per_page: int):
    """One page of Contribution History as the paginator's page of raw rows (dicts); `history_raw(page)` is what
    the database answered, for a key of the page's content."""
    try:
        wanted = int(page_number)
    except (TypeError, ValueError):
        wanted = 1
    return Paginator(_HistoryRows(user_id=user.pk, page_number=wanted, per_page=per_page), per_page).get_page(
        page_number)


def history_raw(page) -> list[tuple]:
    """The page's rows as the database gave them (before any conversion)."""
    return page.paginator.object_list.raw.get(page.start_index() - 1 if page.object_list else 0, [])


def history_statuses(rows: list[dict], *, now: datetime) -> list[str]:
    """Each row's Contribution Status at `now` (the one part of a row that time changes)."""
    return [contribution_status(state=row["state"], kind=row["kind"], end_at=row["end_at"],
                                sector_end=row["sector_latest_end"], moment=now) for row in rows]


def history_lines(rows: list[dict], *, now: datetime) -> list[HistoryLine]:
    """The rows as the page shows them."""
    malay = (get_language() or "en").startswith("ms")
    payment_labels = {
        Payment.Status.PAID: ("PAID", str(Payment.Status.PAID.label)),
        Payment.Status.PENDING: ("PENDING", str(Payment.Status.PENDING.label)),
    }
    failed = ("FAILED", str(Payment.Status.FAILED.label))
    status_labels = {status: str(label) for status, label in ContributionStatus.choices}
    months_text = gettext("%(months)s Month(s)")
    detail_url = url_maker("contributions:detail")
    receipt_url = url_maker("payments:receipt")
    renew_url = url_maker("contributions:renew_sector")
    lines = []
    for row, status in zip(rows, history_statuses(rows, now=now), strict=True):
        shown = row["shown_payment_status"]
        payment_status, payment_label = (payment_labels.get(shown, failed) if shown else ("", "-"))
        renew_now = row["first_paid"] and not row["unpaid_renewal"] and row["newest_paid_id"] == row["pk"]
        lines.append(HistoryLine(
            pk=row["pk"], start=kl_format(row["start_at"]) if row["start_at"] else "",
            end=kl_format(row["end_at"]) if row["end_at"] else "",
            sector=row["registration__sector__name_ms" if malay else "registration__sector__name_en"].upper(),
            plan=money_format(row["plan__monthly_contribution"] * 12),
            months=months_text % {"months": row["months"]}, amount=money_format(row["amount"]),
            status=status, status_label=status_labels[status], payment_status=payment_status,
            payment_label=payment_label, detail_url=detail_url(row["pk"]),
            receipt_url=receipt_url(row["shown_payment_id"]) if payment_status == "PAID" else "",
            renew_url=renew_url(row["registration_id"]) if renew_now else "",
        ))
    return lines


def contribution_for_view(*, user, pk: int) -> Contribution:
    """One contribution of the person with everything the View Contribution page shows; 404 for anyone else."""
    queryset = Contribution.objects.with_sector_end().select_related(
        "registration__person__user", "registration__sector", "registration__sector_class", "plan"
    ).prefetch_related(
        Prefetch("payments", queryset=payments_newest_first()),
        Prefetch("registration__documents", queryset=Document.objects.order_by("uploaded_at", "pk")),
    )
    return get_object_or_404(queryset, pk=pk, registration__person__user=user)


_VIEW_SQL = """
SELECT c.id, c.registration_id, c.kind, c.state, c.months, c.amount, c.start_at, c.end_at, c.paid_at,
       c.rejected_reason, c.cancelled_at, pl.monthly_contribution, r.particulars, sp.self_employed_code,
       se.name_en, se.name_ms, sc.name_en, sc.name_ms,
       (SELECT MAX(o.end_at) FROM contributions_contribution o WHERE o.registration_id = c.registration_id
         AND o.state = %(paid)s) AS sector_latest_end
FROM contributions_contribution c
JOIN registrations_registration r ON r.id = c.registration_id
JOIN registrations_selfemployedperson sp ON sp.id = r.person_id
JOIN reference_plan pl ON pl.id = c.plan_id
JOIN reference_sector se ON se.id = r.sector_id
JOIN reference_sectorclass sc ON sc.id = r.sector_class_id
WHERE c.id = %(pk)s AND sp.user_id = %(user)s
"""

_VIEW_PAYMENTS_SQL = """
SELECT p.id, p.status, p.refund_due, p.created_at, p.settled_at, p.fpx_txn_id, b.name
FROM payments_payment p LEFT JOIN reference_bank b ON b.id = p.bank_id
WHERE p.contribution_id = %s ORDER BY p.created_at DESC, p.id DESC
"""

_VIEW_DOCUMENTS_SQL = """
SELECT d.id, d.kind, d.original_name, d.uploaded_at FROM registrations_document d
WHERE d.registration_id = %s ORDER BY d.uploaded_at, d.id
"""


def _bilingual(name_en: str, name_ms: str) -> SimpleNamespace:
    return SimpleNamespace(name=name_ms if (get_language() or "en").startswith("ms") else name_en)


def contribution_page(*, user, pk: int, now: datetime | None = None) -> SimpleNamespace:
    """VIEW CONTRIBUTION's contribution as plain values, with the same names the page reads from the models
    (contribution, registration, person, payments newest first, documents): three raw queries, no queryset
    compiled and no model built per request. 404 for anyone but its owner."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_VIEW_SQL, {"paid": Contribution.State.PAID, "pk": pk, "user": user.pk})
        row = cursor.fetchone()
        if row is None:
            raise Http404("No contribution matches the given query.")
        (cid, registration_id, kind, state, months, amount, start_at, end_at, paid_at, rejected_reason,
         cancelled_at, monthly, particulars, code, sector_en, sector_ms, class_en, class_ms, sector_end) = row
        cursor.execute(_VIEW_PAYMENTS_SQL, [cid])
        payment_rows = cursor.fetchall()
        payments = [
            SimpleNamespace(pk=pay_id, status=status, refund_due=bool(refund_due), created_at=db_datetime(created),
                            settled_at=db_datetime(settled), fpx_txn_id=txn, bank=SimpleNamespace(name=bank) if bank
                            else None)
            for pay_id, status, refund_due, created, settled, txn, bank in payment_rows
        ]
        cursor.execute(_VIEW_DOCUMENTS_SQL, [registration_id])
        document_rows = cursor.fetchall()
        documents = [
            SimpleNamespace(pk=doc_id, original_name=name, uploaded_at=db_datetime(uploaded),
                            get_kind_display=Document.Kind(doc_kind).label)
            for doc_id, doc_kind, name, uploaded in document_rows
        ]
    start_at, end_at = db_datetime(start_at), db_datetime(end_at)
    status = contribution_status(state=state, kind=kind, end_at=end_at, moment=now,
                                 sector_end=db_datetime(sector_end) if state == Contribution.State.PAID else None)
    if isinstance(particulars, str):
        particulars = json.loads(particulars)
    contribution = SimpleNamespace(
        pk=cid, id=cid, registration_id=registration_id, kind=kind, state=state, months=months,
        amount=db_money(amount), start_at=start_at, end_at=end_at, paid_at=db_datetime(paid_at),
        rejected_reason=rejected_reason, cancelled_at=db_datetime(cancelled_at), status=status,
        status_label=ContributionStatus(status).label,
        plan=SimpleNamespace(annual_contribution=db_money(monthly) * 12),
    )
    registration = SimpleNamespace(pk=registration_id, sector=_bilingual(sector_en, sector_ms),
                                   sector_class=_bilingual(class_en, class_ms), particulars=particulars or {})
    # `raw`: what the database answered and what the moment made of it (the status), for a kept page's key.
    return SimpleNamespace(contribution=contribution, registration=registration,
                           person=SimpleNamespace(self_employed_code=code), payments=payments, documents=documents,
                           raw=(row, payment_rows, document_rows, str(status)))


# Renewals ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalFacts:
    registration: Registration
    first: Contribution | None
    latest_end: datetime | None
    unpaid_renewal: Contribution | None
    paid: tuple[Contribution, ...] = ()  # the sector's paid periods in the order of their cover

    @property
    def first_paid(self) -> bool:
        return self.first is not None and self.first.state == Contribution.State.PAID

    @property
    def plan_lock_anchor(self) -> Contribution | None:
        """The paid period whose cover started the plan lock in force: the first cover bought on the sector's
        current plan (the first period, or the renewal that last changed plan). An unpaid renewal counts only
        once paid."""
        anchor = previous = None
        for contribution in self.paid:
            if previous is None or contribution.plan.number != previous.plan.number:
                anchor = contribution
            previous = contribution
        return anchor

    @property
    def plan_lock_until(self) -> datetime | None:
        """12 months from the start of the first cover bought on the current plan ("always locked for 1 year")."""
        anchor = self.plan_lock_anchor
        if anchor is None:
            return None
        return kl(anchor.start_at) + relativedelta(months=PLAN_LOCK_MONTHS)

    @property
    def locked_plan_number(self) -> int | None:
        anchor = self.plan_lock_anchor
        return anchor.plan.number if anchor is not None else None

    def plan_locked_on(self, moment: datetime) -> bool:
        until = self.plan_lock_until
        return until is not None and moment < until

    def cover_ended_on(self, moment: datetime) -> bool:
        return cover_ended(end=self.latest_end, moment=moment)

    def period_if_paid_at(self, *, paid_at: datetime, months: int) -> Period:
        return renewal_period(latest_end=self.latest_end, paid_at=paid_at, months=months)


def _facts(registration: Registration, contributions: list[Contribution]) -> RenewalFacts:
    first = next((c for c in contributions if c.kind == Contribution.Kind.REGISTRATION), None)
    paid = sorted((c for c in contributions if c.state == Contribution.State.PAID and c.start_at),
                  key=lambda c: (c.start_at, c.pk))
    unpaid = next(
        (c for c in contributions
         if c.kind == Contribution.Kind.RENEWAL and c.state == Contribution.State.AWAITING_PAYMENT),
        None,
    )
    return RenewalFacts(registration=registration, first=first, latest_end=max((c.end_at for c in paid), default=None),
                        unpaid_renewal=unpaid, paid=tuple(paid))


def renewal_facts(*, registration: Registration) -> RenewalFacts:
    return _facts(registration, list(registration.contributions.select_related("plan").order_by("created_at", "pk")))


def renewal_plans(*, facts: RenewalFacts, now: datetime):
    """Plans a renewal may use (a queryset of rates in force today, one per plan number): while the plan lock
    runs (12 months from the first cover bought on the sector's current plan) only that plan, at its rate in
    force today; afterwards any plan. Should the law have withdrawn the locked plan, any plan in force."""
    in_force = Plan.objects.in_force(kl(now).date()).order_by("number")
    if facts.plan_locked_on(now):
        same = in_force.filter(number=facts.locked_plan_number)
        if same.exists():
            return same
    return in_force


def registrations_of(*, user):
    """The person's registrations that hold their sector (a cancelled registration cannot be renewed)."""
    return Registration.objects.current().filter(person__user=user).select_related("sector", "sector_class")


def registration_of(*, user, pk: int) -> Registration:
    return get_object_or_404(registrations_of(user=user), pk=pk)


def renewal_choices(*, user) -> list[RenewalFacts]:
    """The person's registrations with what renewing each needs (ordered by sector)."""
    registrations = list(
        registrations_of(user=user)
        .prefetch_related(
            Prefetch("contributions", queryset=Contribution.objects.select_related("plan").order_by("created_at"))
        )
        .order_by("sector__sort_order", "sector__name_en")
    )
    return [_facts(registration, list(registration.contributions.all())) for registration in registrations]


def days_left(*, end: datetime, now: datetime) -> int:
    """Whole days from today to the last day of cover (0 on the last day)."""
    end_day: date = kl(end).date()
    return (end_day - kl(now).date()).days
