"""Secret phrases: the anti-phishing words shown at the password step of the login.

A person types any words they like at activation (4 to 100 characters; spaces are tidied, nothing else is
imposed), often after the example in the hint. So a made-up phrase for an IC number without an account must not
come from one small grammar (a phrase outside it would prove the IC has an account): it is drawn the way people
write theirs. It picks one of several shapes people use (the hint's own "Kuih lapis on Sunday", a pet or a
relative, a place and a year, a short Malay or English sentence, a word and digits), from a vocabulary of Malay
and English words, then a way of writing it (as typed, all lower case, all capitals, Title Case), sometimes with a
trailing mark. The draw is made from HMAC-SHA256(SECRET_KEY, IC), so the same IC always gets the same phrase
and nobody can tell it apart by asking twice. The activation hint draws its example from the same shapes (with
fresh randomness), so the phrases people copy from it and the made-up ones come from one distribution."""

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
    "Durian", "Rambutan", "Mangga", "Cendol", "Milo ais", "Nasi ayam", "Roti bakar", "Bihun sup", "Kek batik",
]
LINKS = ["on", "every", "before", "after", "at", "for"]
TIMES = [
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    "breakfast", "lunch", "dinner", "sunrise", "sunset", "payday", "holidays", "the weekend", "rainy days",
    "Raya", "Deepavali", "Christmas", "Chinese New Year", "midnight", "tea time",
]
PETS = [
    "Oyen", "Comot", "Tompok", "Bulat", "Putih", "Si Hitam", "Manja", "Gebu", "Milo", "Coco", "Lucky", "Bobby",
    "Max", "Kiki", "Mimi", "Snowy", "Tiger", "Brownie", "Momo", "Boboi",
]
ANIMALS_MS = ["kucing", "arnab", "ikan", "burung", "anjing", "kura-kura", "ayam"]
ANIMALS_EN = ["cat", "rabbit", "fish", "bird", "dog", "turtle", "hamster"]
PEOPLE_MS = ["mak", "abah", "ayah", "ibu", "adik", "abang", "kakak", "nenek", "atuk", "tok wan", "opah", "pak long",
             "mak ngah", "cikgu"]
PEOPLE_EN = ["mum", "dad", "grandma", "grandpa", "my sister", "my brother", "my wife", "my husband", "my son",
             "my daughter", "my best friend", "uncle"]
PLACES = [
    "Kampung Baru", "Ipoh", "Kuala Kangsar", "Kota Bharu", "Alor Setar", "Seremban", "Melaka", "Johor Bahru",
    "Kuching", "Kota Kinabalu", "Sandakan", "Miri", "Kuantan", "Temerloh", "Taiping", "Pulau Pinang", "Langkawi",
    "Cameron Highlands", "Shah Alam", "Klang", "Batu Pahat", "Muar", "Sungai Petani", "Kuala Terengganu",
    "Bentong", "Genting", "Port Dickson", "Teluk Intan", "Sibu", "Tawau", "Bangsar", "Cheras", "Kajang",
]
VERBS_MS = ["suka", "sayang", "rindu", "makan", "minum", "ingat"]
THINGS_MS = [
    "durian", "rambutan", "laut", "hujan", "bola", "pantai", "gunung", "sungai", "bunga raya", "kereta lama",
    "motor merah", "basikal biru", "rumah kayu", "kampung", "sekolah lama", "kebun getah", "sawah padi",
    "pasar malam", "teh tarik", "nasi lemak", "laksa", "kuih raya",
]
ADJECTIVES_EN = [
    "blue", "red", "green", "yellow", "purple", "old", "little", "happy", "quiet", "lucky", "golden", "silver",
    "rainy", "sunny", "sleepy", "brave", "lazy", "sweet", "big", "secret",
]
NOUNS_EN = [
    "kite", "bicycle", "river", "mountain", "garden", "umbrella", "teapot", "guitar", "football", "moon",
    "star", "ocean", "island", "train", "house", "window", "forest", "rainbow", "coffee", "holiday", "sky",
    "notebook", "lantern", "boat", "morning",
]
COLOURS_MS = ["merah", "biru", "hijau", "kuning", "putih", "hitam", "ungu", "oren", "emas", "perak"]
NOUNS_MS = ["kereta", "payung", "baju", "kasut", "kucing", "rumah", "pintu", "bunga", "langit", "bulan", "beg",
            "motosikal", "basikal", "tudung", "cawan"]
WORDS = ["Harimau", "Merdeka", "Rimba", "Pelangi", "Bintang", "Mawar", "Melati", "Seroja", "Helang", "Kancil",
         "Tiger", "Falcon", "Phoenix", "Rainbow", "Sunshine", "Dragon", "Ocean", "Starlight"]
MARKS = ["!", ".", " :)", "!!"]


class _Draw:
    """Choices from a fixed byte string, read as one big number (so no choice is noticeably biased)."""

    def __init__(self, seed: bytes):
        self.number = int.from_bytes(seed, "big")

    def below(self, n: int) -> int:
        self.number, value = divmod(self.number, n)
        return value

    def pick(self, items):
        return items[self.below(len(items))]


def _year(draw: _Draw) -> str:
    return str(1960 + draw.below(66))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# Each shape writes a phrase as a person would type it. The weights are how often a shape is drawn.
_SHAPES = [
    (6, lambda d: f"{d.pick(FOODS)} {d.pick(LINKS)} {d.pick(TIMES)}"),
    (2, lambda d: f"{d.pick(ANIMALS_MS)} saya {d.pick(PETS)}"),
    (2, lambda d: f"my {d.pick(ANIMALS_EN)} {d.pick(PETS)}"),
    (2, lambda d: f"{d.pick(PLACES)} {_year(d)}"),
    (2, lambda d: f"{d.pick(PEOPLE_MS)} {d.pick(VERBS_MS)} {d.pick(THINGS_MS)}"),
    (2, lambda d: f"{d.pick(PEOPLE_EN)} loves {d.pick(FOODS).lower()}"),
    (2, lambda d: f"{d.pick(ADJECTIVES_EN)} {d.pick(NOUNS_EN)}"),
    (1, lambda d: f"the {d.pick(ADJECTIVES_EN)} {d.pick(NOUNS_EN)} of {d.pick(PLACES)}"),
    (2, lambda d: f"{d.pick(NOUNS_MS)} {d.pick(COLOURS_MS)}"),
    (1, lambda d: f"{d.pick(WORDS)}{10 + d.below(90)}"),
    (1, lambda d: f"{d.pick(PETS)} and {d.pick(PETS)}"),
    (1, lambda d: f"rumah {d.pick(PEOPLE_MS)} di {d.pick(PLACES)}"),
]
_WEIGHTS = sum(weight for weight, _shape in _SHAPES)


def _phrase(seed: bytes) -> str:
    draw = _Draw(seed)
    roll = draw.below(_WEIGHTS)
    index = 0
    while roll >= _SHAPES[index][0]:
        roll -= _SHAPES[index][0]
        index += 1
    text = _SHAPES[index][1](draw)
    style = draw.below(20)
    if style < 9:
        text = _cap(text)  # as typed on a phone: the first letter capitalised
    elif style < 15:
        text = text.lower()
    elif style < 17:
        text = text.upper()
    elif style < 19:
        text = " ".join(_cap(word) for word in text.split(" "))
    # else: exactly as the shape wrote it
    if draw.below(10) == 0:
        text += draw.pick(MARKS)
    return text


def secret_phrase_made_up(*, id_number: str) -> str:
    """A stable, plausible phrase for an IC number that has no account (or no phrase yet)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), b"matrix.accounts.phrase:" + id_number.encode(), sha256).digest()
    return _phrase(digest)


def secret_phrase_suggestion() -> str:
    """A fresh example for the activation page's hint, drawn the same way."""
    return _phrase(secrets.token_bytes(32))


def secret_phrase_tidy(value: str) -> str:
    """How a typed phrase is kept: surrounding spaces removed, inner runs of spaces made one (so that a stored
    phrase and a made-up one look alike)."""
    return " ".join((value or "").split())
