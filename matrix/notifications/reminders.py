"""Renewal reminders: for each sector whose cover is running out, an SMS and an email 30, 7 and 1 days before the
cover's last day and on the day it lapses (the day after the last day), in the person's language, with the end,
the sector and a link that renews that sector.

Read `renewal_reminders_send` top to bottom. For one day it looks, per kind, at the paid periods whose last second
falls on the kind's target day (a narrow range of the index on PAID contributions' (end_at, id), see migration
0004), keeps those that are still the sector's latest paid period (no renewal paid since), whose registration holds
its sector (not cancelled; a rejected registration has no PAID period left), with no renewal awaiting settlement (a
payment Pending at FPX or Needs attention) and no reminder of that kind written yet. It walks them in keyset pages
(bounded memory: one page in memory at a time), and per page, in one transaction, bulk-inserts the reminder rows
(ON CONFLICT DO NOTHING on the unique (registration, period end, kind)) and then bulk-inserts the messages of the
rows this run won. Running it twice, or twice at once, sends each reminder once: the database decides.

At national scale (issue 13) a day has tens of thousands of reminders, so per reminder the job does no template
work and no broker round trip: the texts are rendered once per (template, language, sector, end, days) with
markers in place of the person's name and links, and each reminder's texts are that render with the markers
replaced (`Renderer`; checked against a full render the first time each is used); the messages of a page are
published after the commit in Celery chunks (`message_send.chunks`: one broker message per PUBLISH_CHUNK
messages, each still sent by `message_send`, which claims its row, so a chunk delivered twice sends nothing
twice).

The job reads contributions, registrations and payments (it sits above them, as the back office does) and writes
only this app's rows. `make bench` calls `renewal_reminders_send(day=...)` over its data set."""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from matrix.core.kltime import kl_format, kl_now, kl_start_of_day
from matrix.notifications.events import Choice, Texts, absolute_url, language_normal, texts_render
from matrix.notifications.models import Message, RenewalReminder
from matrix.notifications.services import _due_now, messages_bulk_create

logger = logging.getLogger(__name__)

Kind = RenewalReminder.Kind

# Kind → days from the run's day to the cover's last day (the lapse day is the day after the last day).
OFFSETS = ((Kind.DAYS_30, 30), (Kind.DAYS_7, 7), (Kind.DAYS_1, 1), (Kind.LAPSED, -1))
BATCH_SIZE = 500
PUBLISH_CHUNK = 50  # messages per broker message (Celery chunks of message_send)


@dataclass(frozen=True)
class Due:
    registration_id: int
    period_end: datetime
    user_id: int
    name: str
    mobile: str
    email: str
    sector_en: str
    sector_ms: str
    choice: Choice


def _candidates(*, kind: str, last_day: date):
    """Paid periods ending on `last_day` that still need a `kind` reminder (see the module docstring)."""
    from matrix.contributions.models import Contribution
    from matrix.payments.models import Payment

    later_paid = Contribution.objects.filter(
        registration_id=OuterRef("registration_id"), state=Contribution.State.PAID, end_at__gt=OuterRef("end_at"))
    in_flight = Payment.objects.filter(
        contribution__registration_id=OuterRef("registration_id"), contribution__kind=Contribution.Kind.RENEWAL,
        contribution__state=Contribution.State.AWAITING_PAYMENT,
        status__in=[Payment.Status.PENDING, Payment.Status.NEEDS_ATTENTION])
    reminded = RenewalReminder.objects.filter(
        registration_id=OuterRef("registration_id"), period_end=OuterRef("end_at"), kind=kind)
    first_language = (Message.objects.filter(user_id=OuterRef("registration__person__user_id")).exclude(language="")
                      .order_by("created_at", "pk").values("language")[:1])
    return (
        Contribution.objects.filter(
            state=Contribution.State.PAID,
            end_at__gte=kl_start_of_day(last_day), end_at__lt=kl_start_of_day(last_day + timedelta(days=1)),
            registration__cancelled_at__isnull=True,
        )
        .exclude(Exists(later_paid)).exclude(Exists(in_flight)).exclude(Exists(reminded))
        .annotate(first_language=Subquery(first_language))
        .values(
            "pk", "end_at", "registration_id", "registration__person__user_id", "registration__person__user__full_name",
            "registration__person__mobile", "registration__person__user__mobile", "registration__person__email",
            "registration__person__user__email", "registration__sector__name_en", "registration__sector__name_ms",
            "registration__person__user__message_preference__language",
            "registration__person__user__message_preference__reminders_sms",
            "registration__person__user__message_preference__reminders_email", "first_language",
        )
    )


def _due(row: dict) -> Due:
    prefix = "registration__person__user__message_preference__"
    chosen = row[f"{prefix}language"]
    choice = Choice(
        language=chosen or language_normal(row["first_language"]),
        reminders_sms=row[f"{prefix}reminders_sms"] is not False,
        reminders_email=row[f"{prefix}reminders_email"] is not False,
    )
    return Due(
        registration_id=row["registration_id"], period_end=row["end_at"],
        user_id=row["registration__person__user_id"], name=row["registration__person__user__full_name"],
        mobile=row["registration__person__mobile"] or row["registration__person__user__mobile"] or "",
        email=row["registration__person__email"] or row["registration__person__user__email"] or "",
        sector_en=row["registration__sector__name_en"], sector_ms=row["registration__sector__name_ms"],
        choice=choice,
    )


def reminder_texts(*, kind: str, due: Due):
    """The reminder's texts in the person's language (also used by the tests of the SMS length)."""
    context = {
        "name": due.name, "sector_en": due.sector_en, "sector_ms": due.sector_ms, "end": kl_format(due.period_end),
        "days": dict(OFFSETS)[kind],
        "short_url": absolute_url(reverse("notifications_person:renew", args=[due.registration_id])),
        "renew_url": absolute_url(reverse("contributions:renew_sector", args=[due.registration_id])),
    }
    template = "cover_lapsed" if kind == Kind.LAPSED else "renewal_reminder"
    return template, texts_render(kind=template, language=due.choice.language, context=context)


# Stand-ins for the values that differ per reminder; NUL never occurs in a name or a link (PostgreSQL's text
# cannot hold it), so each marker stands only for its value.
_MARKERS = {"name": "\x00name\x00", "short_url": "\x00short\x00", "renew_url": "\x00renew\x00"}


def _tidy(texts: Texts) -> Texts:
    """texts_render's own tidying (one-line SMS and subject, stripped email ending in a newline): applied again
    after the values replace the markers, it gives what rendering with the values gives."""
    email = texts.email.strip()
    return Texts(sms=" ".join(texts.sms.split()), subject=" ".join(texts.subject.split()),
                 email=email + "\n" if email else "")


class Renderer:
    """reminder_texts for many reminders of one run: one template render per (template, language, sector, end,
    days) with markers for the name and the links, then per reminder only string replacements. The first use of
    each render is compared with a full render of that reminder; should a template ever transform one of the
    values (a filter on the name, say), that render is not reused and each such reminder is rendered in full."""

    def __init__(self):
        self._renders: dict[tuple, Texts | None] = {}
        self._links: dict[str, tuple[str, str] | None] = {}

    def _link(self, name: str, registration_id: int) -> str:
        """absolute_url(reverse(name, args=[registration_id])), from the parts around the id of one such link."""
        if name not in self._links:
            marker = "987654321987"
            link = absolute_url(reverse(name, args=[int(marker)]))
            self._links[name] = tuple(link.split(marker)) if link.count(marker) == 1 else None
        parts = self._links[name]
        if parts is None:
            return absolute_url(reverse(name, args=[registration_id]))
        return f"{parts[0]}{registration_id}{parts[1]}"

    def texts(self, *, kind: str, due: Due) -> tuple[str, Texts]:
        template = "cover_lapsed" if kind == Kind.LAPSED else "renewal_reminder"
        language = due.choice.language
        end = kl_format(due.period_end)
        values = {"name": due.name, "short_url": self._link("notifications_person:renew", due.registration_id),
                  "renew_url": self._link("contributions:renew_sector", due.registration_id)}
        key = (template, language, due.sector_en, due.sector_ms, end, kind)
        if key not in self._renders:
            context = {"sector_en": due.sector_en, "sector_ms": due.sector_ms, "end": end, "days": dict(OFFSETS)[kind],
                       **_MARKERS}
            marked = texts_render(kind=template, language=language, context=context)
            full = reminder_texts(kind=kind, due=due)[1]
            self._renders[key] = marked if self._fill(marked, values) == full else None
            return template, full
        marked = self._renders[key]
        if marked is None:
            return reminder_texts(kind=kind, due=due)
        return template, self._fill(marked, values)

    @staticmethod
    def _fill(marked: Texts, values: dict[str, str]) -> Texts:
        parts = [marked.sms, marked.subject, marked.email]
        for name, marker in _MARKERS.items():
            parts = [part.replace(marker, values[name]) if marker in part else part for part in parts]
        return _tidy(Texts(sms=parts[0], subject=parts[1], email=parts[2]))


def _messages_publish(ids: list[int]) -> None:
    """After the commit: the page's messages to the broker in chunks of PUBLISH_CHUNK (one broker message each;
    the worker runs message_send for each id of its chunk). Should the broker fail, the rows are made due at once
    and the sweep publishes them (a chunk published before the failure is then published again: message_send
    claims each row, so nothing is sent twice)."""
    from matrix.notifications.tasks import message_send

    try:
        message_send.chunks([(message_id,) for message_id in ids], PUBLISH_CHUNK).apply_async(
            queue=settings.MESSAGES_QUEUE or None, retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5})
    except Exception as exc:  # the broker's errors are many (kombu, redis, amqp, OSError)
        logger.warning("%s reminder messages not published (%s); the sweep will publish them", len(ids),
                       type(exc).__name__)
        _due_now(ids=ids)


def _page_send(*, kind: str, rows: list[dict], now: datetime, publish: bool, renderer: Renderer) -> int:
    """One page in one transaction: the reminder rows this run wins, and their messages. Returns how many won."""
    token = uuid.uuid4()
    dues = {row["registration_id"]: _due(row) for row in rows}
    with transaction.atomic():
        RenewalReminder.objects.bulk_create(
            [RenewalReminder(registration_id=due.registration_id, period_end=due.period_end, kind=kind,
                             run_token=token, created_at=now) for due in dues.values()],
            ignore_conflicts=True,
        )
        won = list(RenewalReminder.objects.filter(run_token=token).values_list("registration_id", flat=True))
        specs = []
        for registration_id in won:
            due = dues[registration_id]
            template, texts = renderer.texts(kind=kind, due=due)
            key = f"reminder-{registration_id}-{kl_format(due.period_end)[:10]}-{kind}"
            common = {"user_id": due.user_id, "kind": f"{template}_{kind.lower()}"[:64],
                      "language": due.choice.language}
            if due.mobile and due.choice.reminders_sms:
                specs.append({**common, "channel": Message.Channel.SMS, "to": due.mobile,
                              "payload": {"text": texts.sms}, "subject": "", "event_key": f"{key}-sms"})
            if due.email and due.choice.reminders_email:
                specs.append({**common, "channel": Message.Channel.EMAIL, "to": due.email, "subject": texts.subject,
                              "payload": {"text": texts.email, "html": "", "attachments": []},
                              "event_key": f"{key}-email"})
        ids = messages_bulk_create(specs=specs, now=now, publish=False)
        if publish and ids:
            transaction.on_commit(partial(_messages_publish, ids))
    return len(won)


def renewal_reminders_send(*, day: date | None = None, batch_size: int = BATCH_SIZE, now: datetime | None = None,
                           publish: bool = True) -> dict[str, int]:
    """Write (and queue) the reminders of `day` (Kuala Lumpur date; today by default). Returns the count per kind.
    Idempotent: a second run of the same day writes nothing. `publish` False leaves the messages to the sweep
    (a benchmark measures the job alone; with eager tasks each publish would also deliver in-process)."""
    day = day or kl_now().date()
    now = now or timezone.now()
    counts = {}
    renderer = Renderer()
    for kind, days_before in OFFSETS:
        last_day = day + timedelta(days=days_before)
        candidates = _candidates(kind=kind, last_day=last_day).order_by("end_at", "pk")
        sent, after = 0, None
        while True:
            page = candidates
            if after is not None:
                page = page.filter(Q(end_at__gt=after[0]) | Q(end_at=after[0], pk__gt=after[1]))
            rows = list(page[:batch_size])
            if not rows:
                break
            sent += _page_send(kind=kind, rows=rows, now=now, publish=publish, renderer=renderer)
            after = (rows[-1]["end_at"], rows[-1]["pk"])
        counts[str(kind)] = sent
    logger.info("renewal reminders of %s: %s", day.isoformat(), counts)
    return counts
