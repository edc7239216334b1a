"""Event messages: what the portal tells a person (a payment approved or failed, a registration rejected, a refund,
a renewal reminder), by SMS and email, in the language the person chose for messages.

Each kind has its texts as templates, one set per language, in `templates/notifications/messages/<language>/`:
`<kind>.sms.txt` (one line; it should fit one 160-character GSM-7 segment, tests/notifications measure it),
`<kind>.subject.txt` and `<kind>.email.txt`. A kind without an SMS or an email template is not sent on that channel.
The caller passes facts, never text: a pair `x_en` / `x_ms` in the context becomes `x` in the person's language, and
lazy translations (gettext_lazy) render in that language too.

Renewal reminders (`reminder=True`) respect the person's choice of channels; account and payment messages are
always sent. Like `sms_send` / `email_send`, the rows are written in the caller's transaction (one per event key,
ever) and leave after it commits."""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.utils import translation

from matrix.notifications.models import Message, MessagePreference
from matrix.notifications.services import email_send, sms_send

LANGUAGES = ("ms", "en")
TEMPLATE_DIR = "notifications/messages"

# The kinds with their own templates (tests check each has every text in both languages).
KINDS = (
    "renewal_reminder", "cover_lapsed", "payment_approved", "payment_approved_late", "payment_failed",
    "registration_rejected", "refund_approved", "refund_paid",
)


@dataclass(frozen=True)
class Texts:
    sms: str
    subject: str
    email: str


@dataclass(frozen=True)
class Choice:
    """A person's message preferences, with the defaults filled in."""

    language: str
    reminders_sms: bool
    reminders_email: bool


def absolute_url(path: str) -> str:
    """A link in a message: PORTAL_BASE_URL + path."""
    return urljoin(settings.PORTAL_BASE_URL.rstrip("/") + "/", path.lstrip("/"))


def language_normal(language: str | None) -> str:
    """'ms', 'ms-my', 'en-gb' … → one of LANGUAGES; anything else → LANGUAGE_CODE."""
    code = (language or "").lower().split("-")[0]
    return code if code in LANGUAGES else settings.LANGUAGE_CODE


def signup_language(*, user_id: int) -> str:
    """The language the person signed up in: that of the first message the portal sent them (the sign-up code)."""
    first = (Message.objects.filter(user_id=user_id).exclude(language="").order_by("created_at", "pk")
             .values_list("language", flat=True).first())
    return language_normal(first)


def preference_get(*, user) -> Choice:
    user_id = getattr(user, "pk", user)
    row = MessagePreference.objects.filter(user_id=user_id).first()
    if row is not None:
        return Choice(language=row.language, reminders_sms=row.reminders_sms, reminders_email=row.reminders_email)
    return Choice(language=signup_language(user_id=user_id), reminders_sms=True, reminders_email=True)


def _localised(context: dict, language: str) -> dict:
    values = dict(context)
    for key, value in context.items():
        if key.endswith(f"_{language}"):
            values[key[: -len(language) - 1]] = value
    values["language"] = language
    return values


def _render(name: str, context: dict) -> str:
    try:
        template = select_template([name])
    except TemplateDoesNotExist:
        return ""
    return template.render(context)


def texts_render(*, kind: str, language: str, context: dict) -> Texts:
    """The SMS (one line), subject (one line) and email body of `kind` in `language`; '' where the kind has none."""
    language = language_normal(language)
    values = _localised(context, language)
    with translation.override(language):
        base = f"{TEMPLATE_DIR}/{language}/{kind}"
        sms = " ".join(_render(f"{base}.sms.txt", values).split())
        subject = " ".join(_render(f"{base}.subject.txt", values).split())
        email = _render(f"{base}.email.txt", values).strip()
    return Texts(sms=sms, subject=subject, email=email + "\n" if email else "")


def event_send(
    *,
    user,
    kind: str,
    context: dict,
    event_key: str,
    mobile: str = "",
    email: str = "",
    attachments: Iterable[tuple[str, bytes, str]] = (),
    reminder: bool = False,
    choice: Choice | None = None,
) -> list[Message]:
    """Queue the SMS and email of one event for `user` (to `mobile` / `email`, when given) in their language.
    `event_key` makes it once per event: a repeat returns the first messages and sends nothing."""
    choice = choice or preference_get(user=user)
    texts = texts_render(kind=kind, language=choice.language, context=context)
    sent = []
    if mobile and texts.sms and (choice.reminders_sms or not reminder):
        sent.append(sms_send(to=mobile, text=texts.sms, kind=kind, language=choice.language,
                             event_key=f"{event_key}-sms", user=user))
    if email and texts.email and (choice.reminders_email or not reminder):
        sent.append(email_send(to=email, subject=texts.subject, text=texts.email, attachments=attachments, kind=kind,
                               language=choice.language, event_key=f"{event_key}-email", user=user))
    return sent


# FPX's refusal codes in the few plain reasons a person can act on (the payment_failed templates word each one).
_FAILURE_REASONS = {
    "cancelled": ("BC", "1C", "1F", "1I", "1L", "2X"),
    "timeout": ("1A", "1D", "1G", "1J", "1M", "OF"),
    "details": ("1B", "1E", "1H", "1K", "DA"),
    "funds": ("51",),
    "limit": ("48", "49", "65", "84", "2A"),
    "account": ("14", "39", "57", "58", "77", "78", "79", "83"),
    "bank_unavailable": ("87", "88", "89", "OE"),
}
FAILURE_REASON = {code: reason for reason, codes in _FAILURE_REASONS.items() for code in codes}


def failure_reason(code: str) -> str:
    """The plain reason of an FPX refusal code: one of _FAILURE_REASONS' keys, or 'other'."""
    return FAILURE_REASON.get((code or "").upper(), "other")
