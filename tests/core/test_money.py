from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matrix.core.money import MoneyError, money, money_format, money_from_sen, money_times, money_to_sen


@pytest.mark.parametrize(
    ("monthly", "months", "amount"),
    [("19.40", 4, "77.60"), ("13.10", 3, "39.30"), ("13.10", 1, "13.10"), ("13.10", 5, "65.50"),
     ("19.40", 6, "116.40"), ("19.40", 5, "97.00"), ("19.40", 8, "155.20"), ("13.10", 4, "52.40"),
     ("13.10", 12, "157.20"), ("19.40", 12, "232.80"), ("36.90", 12, "442.80"), ("49.40", 12, "592.80")],
)
def test_amount_due_is_monthly_times_months_to_the_sen(monthly, months, amount):
    assert money_times(Decimal(monthly), months) == Decimal(amount)


def test_format_matches_the_seed():
    assert money_format(Decimal("77.6")) == "RM 77.60"
    assert money_format(Decimal("1050"), places=0) == "RM 1,050"
    assert money_format(Decimal("30000")) == "RM 30,000.00"


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        money(19.4)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", None])
def test_non_amounts_are_refused(bad):
    with pytest.raises(MoneyError):
        money(bad)


@given(st.integers(min_value=0, max_value=10**9))
def test_sen_round_trip(sen):
    assert money_to_sen(money_from_sen(sen)) == sen
