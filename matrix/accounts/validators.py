"""Identity numbers, Malaysian mobile numbers and passwords: cleaning and validation shared by forms and services."""

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.my import nric

from matrix.accounts.models import IdType

_SEPARATORS = re.compile(r"[\s\-/]+")
_FREE_FORM = re.compile(r"^[A-Z0-9]+$")
# Lengths (after removing spaces and dashes) for the identity documents without a published check.
_FREE_FORM_LENGTHS = {IdType.POLICE: (4, 20), IdType.ARMY: (4, 20), IdType.PASSPORT: (6, 20)}


def id_number_compact(value: str) -> str:
    """`790811-08-7654 ` -> `790811087654`; letters upper-cased; full-width and other compatibility forms become
    their ASCII letters and digits (NFKC). No validation, but a character still outside ASCII (a look-alike letter
    from another script, Arabic-Indic digits) becomes U+FFFD, so every caller's letters-and-digits check refuses it."""
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()
    return "".join(ch if ch.isascii() else "\ufffd" for ch in compact)


def id_number_clean(*, id_type: str, value: str) -> str:
    """Validate an identity number of `id_type` and return its compact form.

    MyKad and MyPR share the 12-digit YYMMDD-PB-###G number space: the date and the place-of-birth code are
    checked (`stdnum.my.nric`; there is no check digit). Police, army and passport numbers are free-form:
    letters and digits only, within a sane length."""
    compact = id_number_compact(value)
    if id_type in (IdType.MYKAD, IdType.MYPR):
        try:
            return nric.validate(compact)
        except StdnumValidationError:
            raise ValidationError(
                _("Enter a valid IC number: 12 digits with a real date of birth and place code, e.g. 790811087654."),
                code="invalid_nric",
            ) from None
    if id_type not in _FREE_FORM_LENGTHS:
        raise ValidationError(_("Select an ID type."), code="invalid_id_type")
    low, high = _FREE_FORM_LENGTHS[id_type]
    if not _FREE_FORM.match(compact) or not low <= len(compact) <= high:
        raise ValidationError(
            _("Enter the ID number with letters and digits only, %(low)d to %(high)d characters.")
            % {"low": low, "high": high},
            code="invalid_id_number",
        )
    return compact


def mobile_clean(value: str) -> str:
    """A Malaysian mobile number as E.164 digits without '+': `+60 10-887 7665`, `60108877665` and
    `010-887 7665` all give `60108877665`. Fixed lines and other countries are refused."""
    raw = re.sub(r"[\s\-().]", "", unicodedata.normalize("NFKC", value or ""))  # full-width digits: ASCII
    if raw.startswith("60"):
        raw = "+" + raw
    error = ValidationError(
        _("Enter a Malaysian mobile number, e.g. 60108877665 or 0108877665."), code="invalid_mobile"
    )
    if not re.fullmatch(r"\+?[0-9]{9,15}", raw):  # ASCII digits only: other scripts' digits are refused
        raise error
    try:
        number = phonenumbers.parse(raw, "MY")
    except phonenumbers.NumberParseException:
        raise error from None
    if (
        not phonenumbers.is_valid_number(number)
        or phonenumbers.region_code_for_number(number) != "MY"
        or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
    ):
        raise error
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def mobile_display(e164_digits: str) -> str:
    """`60108877665` -> `0108877665` (as Malaysians write it)."""
    if e164_digits.startswith("60"):
        return "0" + e164_digits[2:]
    return e164_digits


class MaximumLengthValidator:
    """Passwords may be long (at least 64 characters must be accepted), but not unbounded."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long. It must contain at most %(max)d characters.") % {"max": self.max_length},
                code="password_too_long",
            )

    def get_help_text(self):
        return _("Your password can be up to %(max)d characters long.") % {"max": self.max_length}
