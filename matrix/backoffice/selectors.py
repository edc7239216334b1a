"""Back-office reads: staff accounts, the audit log, contributor search and a person's page.

Each page's data comes from a fixed number of queries (select_related / prefetch_related), whatever the person
holds: tests/backoffice/test_people.py counts them."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from matrix.backoffice.models import STAFF_ID_PREFIX, AuditEvent, StaffMember
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_datetime
from matrix.payments.models import FpxMessage, Payment
from matrix.registrations.models import Document, Registration

SEARCH_LIMIT = 50
MOBILE_DIGITS = (9, 12)  # 012-345 6789 without its 0, to 6011-2345 6789
RECEIPT_DIGITS = 14  # matrix.core.identifiers.receipt_no_format: year and 10 digits


def staff_list() -> QuerySet[StaffMember]:
    return StaffMember.objects.select_related("user", "created_by").order_by("-is_active", "username")


def audit_events(*, actor: str = "", action: str = "", target_type: str = "", target_id: str = "",
                 date_from=None, date_to=None) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if actor:
        events = events.filter(actor_label__iexact=actor.strip())
    if action:
        events = events.filter(action__startswith=action.strip())
    if target_type:
        events = events.filter(target_type=target_type.strip())
    if target_id:
        events = events.filter(target_id=target_id.strip())
    if date_from:
        events = events.filter(created_at__gte=kl_datetime(date_from.year, date_from.month, date_from.day))
    if date_to:
        end = date_to + timedelta(days=1)
        events = events.filter(created_at__lt=kl_datetime(end.year, end.month, end.day))
    return events.order_by("-created_at", "-pk")


def _contributors() -> QuerySet:
    # NOT EXISTS rather than a left join's IS NULL: PostgreSQL then counts the rows it keeps well, and walks the
    # name index in order for a common part of a name instead of sorting every match.
    staff = StaffMember.objects.filter(user=OuterRef("pk"))
    return get_user_model().objects.exclude(id_number__startswith=STAFF_ID_PREFIX).filter(~Exists(staff))


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One contributor in the search's results: what the results table shows, nothing more (no password hash or
    secret phrase leaves the database for a list)."""

    pk: int
    full_name: str
    id_number: str
    mobile: str
    email: str
    self_employed_code: str | None


# The search's SQL, written once (issue 13: compiling the equivalent querysets took most of the page's time for a
# one-row answer). `{where}` is one of the conditions below, each an indexed look-up on PostgreSQL
# (tests/perf/test_backoffice_scale_pg.py reads the plans): `UPPER(column)` is the expression of the email indexes
# (UPPER(email::text)) and of the name's trigram index; ESCAPE with a backslash makes it escape LIKE's wildcards
# on SQLite too. Staff accounts are never listed (their identity number begins with STAFF_ID_PREFIX, and NOT EXISTS a
# staff row, as `_contributors()`).
SEARCH_SQL = """
    SELECT u.id, u.full_name, u.id_number, u.mobile, u.email, p.self_employed_code
    FROM accounts_user u LEFT JOIN registrations_selfemployedperson p ON p.user_id = u.id
    WHERE u.id_number NOT LIKE %s ESCAPE '\\'
      AND NOT EXISTS (SELECT 1 FROM backoffice_staffmember s WHERE s.user_id = u.id)
      AND {where}
    ORDER BY u.full_name, u.id
    LIMIT %s"""
BY_ID_NUMBER = "SELECT id FROM accounts_user WHERE id_number = %s"
BY_EMAIL = ("SELECT id FROM accounts_user WHERE UPPER(email) = UPPER(%s) "
            "UNION ALL SELECT user_id FROM registrations_selfemployedperson WHERE UPPER(email) = UPPER(%s)")
BY_CODE = "SELECT user_id FROM registrations_selfemployedperson WHERE self_employed_code = %s"
BY_RECEIPT = """SELECT pe.user_id FROM payments_payment pay
    JOIN contributions_contribution c ON c.id = pay.contribution_id
    JOIN registrations_registration r ON r.id = c.registration_id
    JOIN registrations_selfemployedperson pe ON pe.id = r.person_id
    WHERE pay.receipt_no = %s"""
BY_NAME = "(UPPER(u.full_name) LIKE UPPER(%s) ESCAPE '\\' OR u.id_number = %s)"


def _by_mobile(count: int) -> str:
    marks = ", ".join(["%s"] * count)  # placeholders only: the values are parameters
    return (f"SELECT id FROM accounts_user WHERE mobile IN ({marks}) "  # noqa: S608
            f"UNION ALL SELECT user_id FROM registrations_selfemployedperson WHERE mobile IN ({marks})")


def person_search(*, query: str) -> list[SearchHit]:
    """Contributors matching an IC number, Self-Employed Code, name, mobile, email or receipt number.

    The query's shape picks the keys, so each one is an indexed look-up: digits are an IC, and by their length a
    mobile or a receipt number (equalities); an address with @ an email; one word of letters and digits an
    identity number or a Self-Employed Code; anything else a part of the name (a trigram index on PostgreSQL,
    accounts migration 0005) or an identity number. At most SEARCH_LIMIT people, by name."""
    query = query.strip()
    compact = query.replace("-", "").replace(" ", "").upper()
    digits = compact.removeprefix("+")
    branches: list[tuple[str, list]] = []
    if "@" in query:
        branches = [(BY_EMAIL, [query, query])]
    elif digits.isdigit():
        branches = [(BY_ID_NUMBER, [digits])]
        # 12 digits are a MyKad number, unless they begin 601 (a mobile written from its country code).
        if MOBILE_DIGITS[0] <= len(digits) <= MOBILE_DIGITS[1] and not (len(digits) == 12 and digits[:3] != "601"):
            mobiles = sorted({digits, "6" + digits if digits.startswith("0") else digits})
            branches.append((_by_mobile(len(mobiles)), mobiles * 2))
        if len(digits) == RECEIPT_DIGITS:
            branches.append((BY_RECEIPT, [digits]))
    elif " " not in query and compact.isalnum() and any(ch.isdigit() for ch in compact):
        branches = [(BY_ID_NUMBER, [compact]), (BY_CODE, [compact])]
    if not branches:
        # One table, so PostgreSQL ORs the two indexes, or walks (full_name, id) for a common part of a name.
        where, params = BY_NAME, [f"%{connection.ops.prep_for_like_query(query)}%", compact]
    elif len(branches) == 1 and branches[0][0] == BY_ID_NUMBER:  # an IC alone: the equality itself, no subquery
        where, params = "u.id_number = %s", branches[0][1]
    else:
        where = "u.id IN (" + " UNION ALL ".join(sql for sql, _params in branches) + ")"
        params = [param for _sql, values in branches for param in values]
    with connection.cursor() as cursor:
        cursor.execute(SEARCH_SQL.format(where=where), [f"{STAFF_ID_PREFIX}%", *params, SEARCH_LIMIT])
        return [SearchHit(*row) for row in cursor.fetchall()]


def person_detail(*, user_id: int) -> dict | None:
    """Everything staff see on a person's page, in a fixed number of queries."""
    user = _contributors().filter(pk=user_id).select_related(
        "self_employed", "self_employed__state", "self_employed__city", "self_employed__branch",
    ).first()
    if user is None:
        return None
    person = getattr(user, "self_employed", None)
    registrations = []
    contributions = []
    payments = []
    if person is not None:
        registrations = list(
            Registration.objects.filter(person=person).select_related("sector", "sector_class")
            .prefetch_related(Prefetch("documents", queryset=Document.objects.order_by("uploaded_at", "pk")))
        )
        contributions = list(
            Contribution.objects.filter(registration__person=person).with_sector_end()
            .select_related("registration__sector", "plan")
        )
        payments = list(
            Payment.objects.filter(contribution__registration__person=person)
            .select_related("contribution__registration__sector", "bank")
            .prefetch_related(Prefetch("messages", queryset=FpxMessage.objects.order_by("received_at", "pk")))
            .order_by("-created_at", "-pk")
        )
    return {
        "account": user, "person": person, "registrations": registrations, "contributions": contributions,
        "payments": payments, "messages": _messages_of(user),
    }


def _messages_of(user) -> list:
    try:
        from matrix.notifications.models import Message
    except ImportError:  # pragma: no cover - the notifications app always has it today
        return []
    return list(Message.objects.filter(user=user).order_by("-created_at", "-pk")[:100])


def document_get(*, document_id: int) -> Document | None:
    return Document.objects.select_related("registration__person").filter(pk=document_id).first()
