import pytest

from matrix.core.identifiers import (
    RECEIPT_NO_RE,
    receipt_no_format,
    receipt_no_next,
    self_employed_code_format,
    self_employed_code_is_valid,
    self_employed_code_next,
)
from tests.concurrency import race


def test_formats_match_perkeso_shapes():
    code = self_employed_code_format(200078756)
    assert code.startswith("K0200078756") and len(code) == 12 and self_employed_code_is_valid(code)
    assert receipt_no_format(year=2019, number=104627) == "20190000104627"


def test_check_letter_catches_a_mistyped_digit():
    code = self_employed_code_format(200078756)
    altered = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
    assert not self_employed_code_is_valid(altered)


@pytest.mark.django_db
def test_numbers_are_drawn_in_sequence_and_never_repeat():
    codes = [self_employed_code_next() for _ in range(5)]
    receipts = [receipt_no_next(year=2026) for _ in range(5)]
    assert len(set(codes)) == 5 and all(self_employed_code_is_valid(code) for code in codes)
    assert len(set(receipts)) == 5 and all(RECEIPT_NO_RE.match(receipt) for receipt in receipts)
    assert receipts == sorted(receipts)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_never_share_a_number():
    outcomes = race(lambda: [receipt_no_next(year=2026) for _ in range(10)], threads=8)
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not errors, errors
    results = [receipt for drawn in outcomes for receipt in drawn]
    assert len(results) == 80 and len(set(results)) == 80
