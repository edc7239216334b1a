import pytest
from django.core.exceptions import ValidationError

from matrix.accounts.masking import mask_email, mask_id_number, mask_mobile
from matrix.accounts.phrases import secret_phrase_made_up
from matrix.accounts.validators import id_number_clean, mobile_clean


@pytest.mark.parametrize("value", ["790811087654", "790811-08-7654", " 790811 08 7654 "])
def test_mykad_with_or_without_dashes_is_stored_compact(value):
    assert id_number_clean(id_type="MYKAD", value=value) == "790811087654"
    assert id_number_clean(id_type="MYPR", value=value) == "790811087654"


@pytest.mark.parametrize(
    "value",
    ["791311087654", "790832087654", "790811007654", "79081108765", "7908110876541", "79081108765A", ""],
    ids=["month-13", "day-32", "place-00", "11-digits", "13-digits", "letter", "empty"],
)
def test_invalid_mykad_is_refused(value):
    with pytest.raises(ValidationError):
        id_number_clean(id_type="MYKAD", value=value)


def test_free_form_ids_are_letters_and_digits_within_length():
    assert id_number_clean(id_type="PASSPORT", value="a12 345-678") == "A12345678"
    assert id_number_clean(id_type="POLICE", value="RF123456") == "RF123456"
    assert id_number_clean(id_type="ARMY", value="t1234567") == "T1234567"
    for id_type, value in [("PASSPORT", "A1234"), ("POLICE", "RF12<3456"), ("ARMY", "T" * 21), ("BOGUS", "A1234567")]:
        with pytest.raises(ValidationError):
            id_number_clean(id_type=id_type, value=value)


@pytest.mark.parametrize("value", ["+60108877665", "60108877665", "0108877665", "010-887 7665", "+60 10 887 7665"])
def test_malaysian_mobile_is_stored_as_e164_digits(value):
    assert mobile_clean(value) == "60108877665"


def test_eleven_digit_mobile_prefix_011():
    assert mobile_clean("011-2345 6789") == "601123456789"


@pytest.mark.parametrize("value", ["0321234567", "+6591234567", "12345", "0108877665x", "", "+60 0108877665999"])
def test_fixed_lines_foreign_and_garbage_numbers_are_refused(value):
    with pytest.raises(ValidationError):
        mobile_clean(value)


def test_masks_hide_most_of_each_detail():
    assert mask_id_number("790811087654") == "79**********"
    assert mask_email("ahmad@gmail.com") == "ahma*@gmail.com"
    assert mask_mobile("60108877665") == "010***7665"


def test_made_up_phrase_is_stable_and_varies_by_ic():
    first = secret_phrase_made_up(id_number="790811087654")
    assert first == secret_phrase_made_up(id_number="790811087654")
    phrases = {secret_phrase_made_up(id_number=f"9001011400{n:02d}") for n in range(20)}
    assert len(phrases) > 10
