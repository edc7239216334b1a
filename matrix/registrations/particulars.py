"""SELF-EMPLOYED INFORMATION: the fields of the seed's form, and the snapshot a registration keeps of them.

A snapshot is a JSON object: plain strings for typed values; for chosen values `{"id": .., "en": .., "ms": ..}`
so the page can show them in the reader's language, and the ids stay for staff and reports."""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from matrix.registrations.models import Gender

GENDER_EN = {Gender.MALE: "Male", Gender.FEMALE: "Female"}
GENDER_MS = {Gender.MALE: "Lelaki", Gender.FEMALE: "Perempuan"}

# (key, label) in the seed's order.
PARTICULAR_FIELDS = [
    ("new_ic", _("New IC")),
    ("full_name", _("Full Name")),
    ("status", _("Status Self-Employed Person")),
    ("nationality", _("Nationality")),
    ("race", _("Race")),
    ("gender", _("Gender")),
    ("address_line_1", _("Address Line 1")),
    ("address_line_2", _("Address Line 2")),
    ("state", _("State")),
    ("city", _("City")),
    ("postcode", _("Post Code")),
    ("house_phone", _("House Phone Number")),
    ("mobile", _("Mobile Phone Number")),
    ("email", _("Email Address")),
    ("branch", _("Preferred PERKESO Branch For Services")),
]


def _choice(obj) -> dict | None:
    if obj is None:
        return None
    name_en = getattr(obj, "name_en", None) or str(getattr(obj, "name", obj))
    name_ms = getattr(obj, "name_ms", None) or name_en
    return {"id": obj.pk, "en": name_en, "ms": name_ms}


def gender_from_id_number(id_number: str) -> str:
    """MyKad/MyPR: the last digit is odd for a man, even for a woman. Empty when it cannot be told."""
    digits = "".join(ch for ch in id_number or "" if ch.isdigit())
    if len(digits) != 12:
        return ""
    return Gender.MALE if int(digits[-1]) % 2 else Gender.FEMALE


def particulars_snapshot(*, user, person) -> dict:
    """What the person certified at submission, from their account and SelfEmployedPerson row."""
    gender = person.gender
    return {
        "new_ic": user.id_number,
        "id_type": user.id_type,
        "full_name": user.full_name,
        "status": _choice(person.status),
        "nationality": _choice(person.nationality),
        "race": _choice(person.race),
        "gender": {"id": gender, "en": GENDER_EN[gender], "ms": GENDER_MS[gender]} if gender else None,
        "address_line_1": person.address_line_1,
        "address_line_2": person.address_line_2,
        "state": _choice(person.state),
        "city": _choice(person.city),
        "postcode": person.postcode,
        "house_phone": person.house_phone,
        "mobile": person.mobile,
        "email": person.email,
        "branch": _choice(person.branch),
    }


def particular_display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        language = (get_language() or "en")[:2]
        return str(value.get(language) or value.get("en") or "")
    return str(value)


def particulars_rows(particulars: dict) -> list[tuple[str, str]]:
    """(label, value) rows in the seed's order, in the reader's language."""
    return [(label, particular_display((particulars or {}).get(key))) for key, label in PARTICULAR_FIELDS]
