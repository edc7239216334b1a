"""Names and addresses: letters of any script and the marks Malaysian names and addresses use; never control or
invisible format characters, markup or other symbols, with the message in the person's language."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from matrix.core.text import address_validate, name_validate


@pytest.mark.parametrize("name", [
    "Ahmad bin Ali @ Abu", "Muthu a/l Raman", "Siti Nur'ain", "Siti Nur’ain binti Hassan", "Tan (Chen) Mei Ling",
    "Nguyễn Thị Minh", "陈美玲", "முத்து", "J. R. Smith-Jones, Jr",
])
def test_names_people_have_are_taken(name):
    name_validate(name)


@pytest.mark.parametrize("name", [
    "SITI\u202eNIAH", "SITI\u200bAMINAH", "SITI\x7fAMINAH", "SITI\x1bAMINAH", "<script>alert(1)</script>",
    "Ali'; DROP TABLE accounts_user;--", "=HYPERLINK(\"x\")", "Ali 2", "Ali_Abu", "Ali\tAbu",
])
def test_names_with_controls_markup_or_symbols_are_refused(name):
    with pytest.raises(ValidationError) as refused:
        name_validate(name)
    assert refused.value.code == "name_characters"


@pytest.mark.parametrize("address", [
    "No. 12-3A, Jalan 3/4", "Lot 1234 & 1235, Kampung Baru", "Blok C, Tingkat 2: Unit #2-05", "Jalan Ipoh (Batu 3)",
])
def test_addresses_people_have_are_taken(address):
    address_validate(address)


@pytest.mark.parametrize("address", ["No. 1\u202e", "<img src=x onerror=alert(1)>", "Jalan 1; DROP", "Jalan\x00"])
def test_addresses_with_controls_or_markup_are_refused(address):
    with pytest.raises(ValidationError):
        address_validate(address)


@pytest.mark.parametrize(("language", "start"), [("en", "Use only letters"), ("ms", "Gunakan huruf")])
def test_the_message_is_in_the_persons_language(language, start):
    with translation.override(language), pytest.raises(ValidationError) as refused:
        name_validate("<b>")
    with translation.override(language):
        assert str(refused.value.messages[0]).startswith(start)
