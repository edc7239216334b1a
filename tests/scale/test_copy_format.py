"""seed_scale's COPY text is made in C per row: the generator's datetimes are formatted by `_dt` (the same text as
str(), faster), NULLs and booleans written as COPY's text; what reaches the database is what the values say."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from matrix.core.kltime import KL
from matrix.scale.seed import _dt


@pytest.mark.parametrize("value", [
    datetime(2026, 12, 2, 6, 0, 0, tzinfo=UTC), datetime(2026, 12, 2, 6, 0, 0, 1, tzinfo=UTC),
    datetime(2022, 2, 28, 23, 59, 59, 999999, tzinfo=KL), datetime(2024, 2, 29, 0, 0, 0, tzinfo=KL),
    datetime(1970, 1, 1, tzinfo=KL), datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    datetime(2026, 1, 1, 12, 30),
])
def test_dt_is_str_of_the_datetime(value):
    assert _dt(value) == str(value) == value.isoformat(" ")
