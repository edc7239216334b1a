"""Identifiers shaped like PERKESO's: Self-Employed Code `K0200078756M`, Receipt No. `20190000104627`."""

import re
import string

from matrix.core.kltime import kl_now
from matrix.core.models import ReceiptNumber, SelfEmployedCodeNumber

SELF_EMPLOYED_CODE_RE = re.compile(r"^[A-Z]\d{10}[A-Z]$")
RECEIPT_NO_RE = re.compile(r"^\d{14}$")
SELF_EMPLOYED_PREFIX = "K"
_LETTERS = string.ascii_uppercase


def self_employed_check_letter(digits: str) -> str:
    """A check letter over the ten digits (weighted sum mod 26), so a mistyped code is caught."""
    total = sum((index + 2) * int(digit) for index, digit in enumerate(digits))
    return _LETTERS[total % 26]


def self_employed_code_format(number: int) -> str:
    if not 0 < number < 10**10:
        raise ValueError("self-employed running number out of range")
    digits = f"{number:010d}"
    return f"{SELF_EMPLOYED_PREFIX}{digits}{self_employed_check_letter(digits)}"


def self_employed_code_is_valid(code: str) -> bool:
    return bool(SELF_EMPLOYED_CODE_RE.match(code)) and code[-1] == self_employed_check_letter(code[1:11])


def self_employed_code_next() -> str:
    """Draw the next Self-Employed Code. Call inside the transaction that stores it."""
    return self_employed_code_format(SelfEmployedCodeNumber.objects.create().pk)


def receipt_no_format(*, year: int, number: int) -> str:
    if not 0 < number < 10**10:
        raise ValueError("receipt running number out of range")
    return f"{year:04d}{number:010d}"


def receipt_no_next(*, year: int | None = None) -> str:
    """Draw the next receipt number: the (Kuala Lumpur) year and a 10-digit running number."""
    return receipt_no_format(year=year or kl_now().year, number=ReceiptNumber.objects.create().pk)
