"""Money: Decimal ringgit with exactly two places (sen). Never float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SEN = Decimal("0.01")


class MoneyError(ValueError):
    pass


def money(value: Decimal | int | str) -> Decimal:
    """Return `value` as ringgit with two decimal places. Floats are refused: they cannot hold sen exactly."""
    if isinstance(value, float):
        raise MoneyError("money never comes from a float")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    return amount.quantize(SEN, rounding=ROUND_HALF_UP)


def money_times(monthly: Decimal, months: int) -> Decimal:
    """Amount due for `months` months at `monthly` ringgit a month, exact to the sen."""
    if not isinstance(months, int) or isinstance(months, bool):
        raise MoneyError("months must be a whole number")
    return money(money(monthly) * months)


def money_format(value: Decimal | int | str, *, places: int = 2) -> str:
    """`RM 77.60`, `RM 1,050` (places=0 for whole-ringgit figures such as insured earnings)."""
    amount = money(value)
    if places == 0:
        return f"RM {amount.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"
    return f"RM {amount:,.2f}"


def money_to_sen(value: Decimal) -> int:
    return int(money(value) * 100)


def money_from_sen(sen: int) -> Decimal:
    return money(Decimal(sen) / 100)
