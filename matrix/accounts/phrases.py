"""Secret phrases: the anti-phishing words shown at the password step of the login.

A made-up phrase has the same shape as the examples we suggest at activation ("Kuih lapis on Sunday"), so the
page for an unknown IC number looks like the page for a real one. It is derived from HMAC(SECRET_KEY, IC), so
the same IC always gets the same phrase and nobody can tell it apart by asking twice."""

import hmac
import secrets
from hashlib import sha256

from django.conf import settings

FOODS = [
    "Kuih lapis", "Nasi lemak", "Roti canai", "Teh tarik", "Satay ayam", "Cendol pulut", "Laksa penang",
    "Mee goreng", "Nasi kerabu", "Kopi o", "Pisang goreng", "Apam balik", "Ais kacang", "Kuih seri muka",
    "Rendang daging", "Char kuey teow", "Nasi dagang", "Roti jala", "Kuih bahulu", "Otak otak",
    "Mee rebus", "Nasi kandar", "Keropok lekor", "Bubur cha cha", "Dodol durian", "Air bandung",
    "Karipap pusing", "Lemang bakar", "Kuih ketayap", "Sago gula melaka", "Popia basah", "Putu mayam",
]
LINKS = ["on", "every", "before", "after"]
TIMES = [
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "breakfast", "lunch", "dinner", "sunrise", "sunset", "payday", "holidays", "the weekend", "rainy days",
]


def _phrase(numbers: bytes) -> str:
    return f"{FOODS[numbers[0] % len(FOODS)]} {LINKS[numbers[1] % len(LINKS)]} {TIMES[numbers[2] % len(TIMES)]}"


def secret_phrase_made_up(*, id_number: str) -> str:
    """A stable, plausible phrase for an IC number that has no account (or no phrase yet)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"matrix.accounts.phrase:" + id_number.encode(), sha256).digest()
    return _phrase(digest)


def secret_phrase_suggestion() -> str:
    """A fresh example for the activation page's hint."""
    return _phrase(secrets.token_bytes(3))
