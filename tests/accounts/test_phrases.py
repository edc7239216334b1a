"""Made-up secret phrases (an IC without an account) are drawn the way people write theirs: many shapes, many
ways of writing, stable per IC under a keyed HMAC; the activation hint draws from the same generator."""

import re
from collections import Counter

import pytest

from matrix.accounts import phrases
from matrix.accounts.forms import ActivationForm
from matrix.accounts.models import User
from matrix.accounts.phrases import FOODS, secret_phrase_made_up, secret_phrase_suggestion, secret_phrase_tidy

SAMPLE = [f"90010114{n:04d}" for n in range(3000)]
# The grammar of the made-up phrases before issue 15: one phrase outside it proved that an IC had an account.
OLD_LINKS = ["on", "every", "before", "after"]
OLD_TIMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "breakfast", "lunch",
             "dinner", "sunrise", "sunset", "payday", "holidays", "the weekend", "rainy days"]
OLD_GRAMMAR = re.compile(
    "^(" + "|".join(map(re.escape, FOODS[:32])) + ") (" + "|".join(OLD_LINKS) + ") ("
    + "|".join(map(re.escape, OLD_TIMES)) + ")$"
)
# Phrases as people type them at activation (the field takes any 4 to 100 characters).
TYPED = [
    "Teh tarik after sunset", "my cat Oyen", "Ipoh 1998", "NASI LEMAK ON SUNDAY", "kucing saya comot",
    "Harimau88", "mak suka durian", "Blue Kite", "rumah nenek di Kuala Kangsar", "Milo and Coco!",
]


def features(phrase: str) -> tuple:
    """What a classifier that knows no vocabulary sees: words, how they are written, digits, a trailing mark."""
    letters = re.sub(r"[^A-Za-z]", "", phrase)
    if letters.isupper():
        case = "upper"
    elif letters.islower():
        case = "lower"
    elif all(word[:1].isupper() for word in phrase.split() if word[:1].isalpha()):
        case = "title"
    else:
        case = "mixed"
    return min(len(phrase.split()), 5), case, bool(re.search(r"\d", phrase)), phrase[-1] in "!.)"


@pytest.fixture(scope="module")
def made_up():
    return [secret_phrase_made_up(id_number=ic) for ic in SAMPLE]


def test_made_up_phrase_is_stable_per_ic_and_keyed(made_up, settings):
    assert secret_phrase_made_up(id_number=SAMPLE[0]) == made_up[0]
    settings.SECRET_KEY = "another key entirely, another deployment"
    other = [secret_phrase_made_up(id_number=ic) for ic in SAMPLE[:200]]
    assert sum(a != b for a, b in zip(other, made_up[:200], strict=True)) > 190


def test_made_up_phrases_are_many_and_mostly_outside_the_old_grammar(made_up):
    assert len(set(made_up)) > 2700
    outside = sum(not OLD_GRAMMAR.match(phrase) for phrase in made_up)
    assert outside > 0.75 * len(made_up)  # the old "outside the grammar = real" test now fails on most of them
    assert all(4 <= len(phrase) <= 100 and phrase == secret_phrase_tidy(phrase) for phrase in made_up)


def test_every_way_people_write_a_phrase_occurs_among_made_up_ones(made_up):
    seen = Counter(features(phrase) for phrase in made_up)
    for phrase in TYPED:
        assert seen[features(phrase)] >= 5, (phrase, features(phrase))
    cases = Counter(key[1] for key in seen.elements())
    assert all(cases[case] > 0.04 * len(made_up) for case in ("upper", "lower", "title", "mixed")), cases


def test_the_hint_draws_from_the_same_generator(monkeypatch):
    monkeypatch.setattr(phrases.secrets, "token_bytes", lambda n: bytes(range(n)))
    assert secret_phrase_suggestion() == phrases._phrase(bytes(range(32)))


@pytest.mark.django_db
def test_a_typed_phrase_is_kept_tidy(user):
    form = ActivationForm(
        {"secret_phrase": "  Teh   tarik\tafter sunset ", "password1": "a long passphrase 2026",
         "password2": "a long passphrase 2026"},
        user=User(id_number="790811087654"),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["secret_phrase"] == "Teh tarik after sunset"
