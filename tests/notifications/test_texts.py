"""Every message text exists in Malay and in English, and every SMS fits one 160-character GSM-7 segment with the
longest realistic values; every text of the message pages has its Malay translation."""

import re
from pathlib import Path

import polib
import pytest
from django.utils.translation.template import templatize

from matrix.notifications import events
from matrix.notifications.events import FAILURE_REASON, KINDS, LANGUAGES, failure_reason, texts_render

pytestmark = pytest.mark.django_db

APP = Path(events.__file__).parent
MESSAGES = APP / "templates" / "notifications" / "messages"

# GSM 03.38: the basic set (one septet each) and the extension set (escape + one septet: two each).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")

# The longest realistic values: the portal's public address, an 8-digit id (a million people with several
# sectors), the largest contribution (12 months of plan 4), a 14-digit receipt number, a bank reference of 20.
BASE_URL = "https://matrix.perkeso.gov.my"
LONG_ID = 99_999_999
AMOUNT = "RM 592.80"
RECEIPT = "20270000104627"
END = "31-12-2027 23:59:59"


def gsm7_septets(text: str) -> int:
    """Length in septets; raises on a character outside GSM-7 (which would force UCS-2: 70 characters)."""
    outside = sorted({c for c in text if c not in GSM7_BASIC | GSM7_EXTENSION})
    assert not outside, f"not GSM-7: {outside} in {text!r}"
    return sum(2 if c in GSM7_EXTENSION else 1 for c in text)


def test_gsm7_counting():
    assert gsm7_septets("PERKESO: RM 1.00") == 16
    assert gsm7_septets("[a]") == 5
    with pytest.raises(AssertionError, match="not GSM-7"):
        gsm7_septets("bayaran ✓")


def _longest_sectors() -> tuple[str, str]:
    from matrix.reference.models import Sector

    sectors = list(Sector.objects.all())
    assert len(sectors) >= 20
    return max((s.name_en for s in sectors), key=len), max((s.name_ms for s in sectors), key=len)


def _longest_reject_reason() -> str:
    from django.utils import translation

    from matrix.backoffice.models_review import RejectReason

    labels = []
    for language in LANGUAGES:
        with translation.override(language):
            labels += [str(label) for label in RejectReason.labels]
    return max(labels, key=len)


def _context(settings) -> dict:
    settings.PORTAL_BASE_URL = BASE_URL
    sector_en, sector_ms = _longest_sectors()
    url = f"{BASE_URL}/messages/renew/{LONG_ID}/"
    return {
        "name": "NUR AISYAH BINTI MOHAMAD ABDULLAH", "sector_en": sector_en, "sector_ms": sector_ms, "end": END,
        "days": 30, "short_url": url, "renew_url": f"{BASE_URL}/self-employed/contributions/renew/{LONG_ID}/",
        "amount": AMOUNT, "receipt_no": RECEIPT, "refund": False, "code": "1B",
        "pay_url": f"{BASE_URL}/self-employed/contributions/{LONG_ID}/",
        "sms_url": f"{BASE_URL}/self-employed/contributions/",
        "reason": _longest_reject_reason(), "note": "The licence has expired.", "paid_on": "31-12-2027",
        "bank_reference": "MBB20271231ABCD12345",
    }


def _variants(kind: str, context: dict):
    """Each SMS with the values that make it longest (every plain failure reason; with and without a refund)."""
    if kind == "payment_failed":
        for code in [*FAILURE_REASON, "ZZ"]:
            yield {**context, "reason": failure_reason(code), "code": code}
    elif kind in ("payment_approved", "payment_approved_late"):
        yield {**context, "refund": False}
        yield {**context, "refund": True}
    elif kind == "renewal_reminder":
        for days in (30, 7, 1):
            yield {**context, "days": days}
    else:
        yield context


def test_every_kind_has_every_text_in_both_languages(settings):
    context = _context(settings)
    for kind in KINDS:
        for part in ("sms", "subject", "email"):
            present = {language: (MESSAGES / language / f"{kind}.{part}.txt").exists() for language in LANGUAGES}
            assert len(set(present.values())) == 1, f"{kind}.{part}: only in {present}"
        assert (MESSAGES / "en" / f"{kind}.sms.txt").exists(), f"{kind} has no SMS"
        for values in _variants(kind, context):
            english = texts_render(kind=kind, language="en", context=values)
            malay = texts_render(kind=kind, language="ms", context=values)
            for part in ("sms", "subject", "email"):
                en, ms = getattr(english, part), getattr(malay, part)
                assert bool(en) == bool(ms), f"{kind}.{part}"
                if en:
                    assert en != ms, f"{kind}.{part} is the same in both languages"
                    assert "{{" not in en + ms and "{%" not in en + ms and "None" not in en + ms
            # Each language says it in its own words (a Malay text that kept English sentences fails).
            assert "PERKESO" in malay.sms and not re.search(r"\b(your|the|payment|cover)\b", malay.sms, re.I), kind
            assert not re.search(r"\b(anda|bayaran|perlindungan)\b", english.sms, re.I), kind
    # No template of another kind, and no language without its twin.
    for language in LANGUAGES:
        names = {p.name.split(".")[0] for p in (MESSAGES / language).glob("*.txt") if not p.name.startswith("_")}
        assert names == set(KINDS)


def test_every_sms_fits_one_gsm7_segment_with_the_longest_values(settings):
    context = _context(settings)
    longest = {}
    for kind in KINDS:
        for values in _variants(kind, context):
            for language in LANGUAGES:
                sms = texts_render(kind=kind, language=language, context=values).sms
                size = gsm7_septets(sms)
                assert size <= 160, f"{kind} ({language}) is {size} septets: {sms}"
                longest[(kind, language)] = max(size, longest.get((kind, language), 0))
    assert max(longest.values()) > 140  # the values really are the long ones


def test_reminders_really_use_the_short_link_that_fits(settings):
    """The real renderer of the job, with an 8-digit registration id and the longest Malay sector name."""
    from matrix.notifications.events import Choice
    from matrix.notifications.reminders import Due, reminder_texts

    settings.PORTAL_BASE_URL = BASE_URL
    sector_en, sector_ms = _longest_sectors()
    from matrix.core.kltime import kl_datetime

    for language in LANGUAGES:
        due = Due(registration_id=LONG_ID, period_end=kl_datetime(2027, 12, 31, 23, 59, 59), user_id=1, name="A",
                  mobile="60123456789", email="a@example.com", sector_en=sector_en, sector_ms=sector_ms,
                  choice=Choice(language=language, reminders_sms=True, reminders_email=True))
        for kind in ("D30", "D7", "D1", "LAPSED"):
            _template, texts = reminder_texts(kind=kind, due=due)
            assert gsm7_septets(texts.sms) <= 160, texts.sms
            assert texts.sms.endswith(f"/messages/renew/{LONG_ID}/") and END in texts.sms


# --- the pages' texts (gettext) ------------------------------------------------------------------------------------

CATALOG = APP / "locale" / "ms" / "LC_MESSAGES" / "django.po"
_GETTEXT = re.compile(r"""\b(?:gettext|gettext_lazy|_)\(\s*(?:u?)(['"])((?:\\.|(?!\1).)*)\1""", re.S)


def _python_msgids() -> set[str]:
    found = set()
    for path in APP.glob("*.py"):
        for match in _GETTEXT.finditer(path.read_text()):
            found.add(match.group(2).encode().decode("unicode_escape"))
    return found


def _template_msgids() -> set[str]:
    found = set()
    pages = [*(APP / "templates" / "notifications").glob("*.html"),
             APP.parent / "accounts" / "templates" / "accounts" / "management.html"]
    for path in pages:
        text = templatize(path.read_text(), origin=str(path))
        for match in re.finditer(r"""gettext\(u?(['"])((?:\\.|(?!\1).)*)\1\)""", text):
            msgid = match.group(2).replace("\\'", "'").replace('\\"', '"')
            if path.name == "management.html" and "Message" not in msgid:
                continue  # the accounts' own texts are translated in the accounts' catalogue
            found.add(re.sub(r"%\((\w+)\)s", r"%(\1)s", msgid))
    return found


def test_every_text_of_the_message_pages_has_malay():
    catalog = {entry.msgid: entry for entry in polib.pofile(str(CATALOG))}
    wanted = _python_msgids() | _template_msgids()
    assert "Message preferences" in wanted and "Delivered" in wanted
    missing = sorted(msgid for msgid in wanted if not catalog.get(msgid) or not catalog[msgid].msgstr.strip())
    assert not missing, f"no Malay for: {missing}"
    fuzzy = [entry.msgid for entry in catalog.values() if "fuzzy" in entry.flags]
    assert not fuzzy


def test_the_pages_render_in_malay(client, settings):
    from django.utils import translation

    from matrix.notifications.selectors import KIND_LABELS, STATUS_LABELS

    with translation.override("ms"):
        assert str(KIND_LABELS["renewal_reminder_d30"]) == "Peringatan pembaharuan: 30 hari sebelum"
        assert str(STATUS_LABELS["DELIVERED"]) == "Diterima"
