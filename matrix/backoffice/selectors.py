"""Back-office reads: staff accounts, the audit log, contributor search and a person's page.

Each page's data comes from a fixed number of queries (select_related / prefetch_related), whatever the person
holds: tests/backoffice/test_people.py counts them."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet

from matrix.backoffice.models import STAFF_ID_PREFIX, AuditEvent, StaffMember
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_datetime
from matrix.payments.models import FpxMessage, Payment
from matrix.registrations.models import Document, Registration

SEARCH_LIMIT = 50


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
    return get_user_model().objects.exclude(id_number__startswith=STAFF_ID_PREFIX).filter(staff_member__isnull=True)


def person_search(*, query: str) -> list:
    """Contributors matching an IC number, Self-Employed Code, name, mobile, email or receipt number."""
    query = query.strip()
    compact = query.replace("-", "").replace(" ", "").upper()
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = (
        Q(id_number=compact) | Q(full_name__icontains=query) | Q(email__iexact=query)
        | Q(self_employed__self_employed_code=compact) | Q(self_employed__email__iexact=query)
    )
    if digits:
        mobiles = {digits, "6" + digits if digits.startswith("0") else digits}
        condition |= Q(mobile__in=mobiles) | Q(self_employed__mobile__in=mobiles)
        paid_by = Payment.objects.filter(receipt_no=digits).values("contribution__registration__person__user_id")
        condition |= Q(pk__in=paid_by)
    return list(
        _contributors().filter(condition).select_related("self_employed").order_by("full_name", "pk")[:SEARCH_LIMIT]
    )


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
