"""Free text that people type and PERKESO staff later read, print and export: names and addresses.

A name is letters of any script (with their combining marks), spaces and the few marks Malaysian names use:
"Ahmad bin Ali @ Abu", "Muthu a/l Raman", "Siti Nur'ain", "Tan (Chen) Mei Ling". An address adds digits and the
marks of "No. 12-3A, Jalan 3/4, Taman Sri & Ros". Control characters, invisible format characters (a right-to-left
override turns a printed name around), markup and other symbols are refused with a message that says what may be
typed; nothing is silently dropped."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NAME_MARKS = frozenset(" .'’-@/(),")
ADDRESS_MARKS = NAME_MARKS | frozenset("#&:")


def text_is_plain(value: str, marks: frozenset[str], *, digits: bool) -> bool:
    for character in value:
        category = unicodedata.category(character)
        if category[0] in "LM" or character in marks or (digits and category == "Nd"):
            continue
        return False
    return True


def name_validate(value: str) -> None:
    if not text_is_plain(value, NAME_MARKS, digits=False):
        raise ValidationError(_("Use only letters, spaces and . ' - @ / ( ) , in a name."), code="name_characters")


def address_validate(value: str) -> None:
    if not text_is_plain(value, ADDRESS_MARKS, digits=True):
        raise ValidationError(_("Use only letters, numbers, spaces and . , ' - / # & ( ) : in an address."),
                              code="address_characters")
