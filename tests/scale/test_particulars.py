"""seed_scale writes a registration's particulars from JSON fragments made once per reference row: the text is
exactly what json.dumps of the particulars' dict writes (the Registration model and the pages read it as JSON)."""

import json
import random

import pytest

from matrix.scale.seed import Seeder, _choice

pytestmark = pytest.mark.django_db


def _dumps(id_number, full_name, status, nationality, race, gender, address, city, mobile, email, branch) -> str:
    return json.dumps({
        "new_ic": id_number, "id_type": "MYKAD", "full_name": full_name, "status": _choice(status),
        "nationality": _choice(nationality), "race": _choice(race),
        "gender": {"id": gender, "en": "Male" if gender == "M" else "Female",
                   "ms": "Lelaki" if gender == "M" else "Perempuan"},
        "address_line_1": address, "address_line_2": "", "state": _choice(city.state), "city": _choice(city),
        "postcode": city.postcode, "house_phone": "", "mobile": mobile, "email": email, "branch": _choice(branch),
    })


def test_particulars_are_the_text_json_dumps_writes():
    seeder = Seeder(people=1, seed=1)
    ref, rng = seeder.ref, random.Random(2)
    names = ["AHMAD ABDULLAH 1", 'O"BRIEN \\ TAB\t', "ŞİTİ ÑUR 2"]  # quotes, backslashes, controls, non-ASCII
    for n, city in enumerate(ref.cities):
        args = (f"9001011450{n % 100:02d}", names[n % len(names)], rng.choice(ref.statuses),
                rng.choice(ref.nationalities), rng.choice(ref.races), "MF"[n % 2], f"{n} Jalan Bench", city,
                f"601{n:08d}", f"person{n}@scale.example", rng.choice(ref.branches + [None]))
        assert seeder._particulars(*args) == _dumps(*args)
