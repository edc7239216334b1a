"""Coverage-period arithmetic: the seed's golden cases and properties (DESIGN.md "Coverage periods")."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matrix.core.coverage import (
    cover_ended,
    coverage_end,
    coverage_period,
    covered_at,
    renewal_period,
    renewal_start,
)
from matrix.core.kltime import KL, kl_format, kl_parse

# (start, months, end) from the seed's contribution list.
GOLDEN = [
    ("19-12-2019 16:26:12", 1, "18-01-2020 23:59:59"),
    ("19-01-2020 00:00:00", 3, "18-04-2020 23:59:59"),
    ("23-12-2019 16:15:39", 1, "22-01-2020 23:59:59"),
    ("19-12-2019 17:12:19", 5, "18-05-2020 23:59:59"),
    ("19-05-2020 00:00:00", 3, "18-08-2020 23:59:59"),
    ("23-12-2019 16:29:15", 6, "22-06-2020 23:59:59"),
    ("23-12-2019 16:35:47", 5, "22-05-2020 23:59:59"),
    ("23-12-2019 16:53:25", 4, "22-04-2020 23:59:59"),
    ("23-04-2020 00:00:00", 8, "22-12-2020 23:59:59"),
    ("27-12-2019 16:25:42", 4, "26-04-2020 23:59:59"),
    ("23-01-2020 00:00:00", 4, "22-05-2020 23:59:59"),
]


@pytest.mark.parametrize(("start", "months", "end"), GOLDEN)
def test_golden_cases_from_the_seed(start, months, end):
    assert kl_format(coverage_end(start=kl_parse(start), months=months)) == end


def test_month_end_clamps_to_the_last_day_of_a_shorter_month():
    # 31-01-2020 + 1 month -> 29-02-2020 (leap year), so the end is 28-02-2020 23:59:59.
    assert kl_format(coverage_end(start=kl_parse("31-01-2020 10:00:00"), months=1)) == "28-02-2020 23:59:59"
    assert kl_format(coverage_end(start=kl_parse("31-01-2021 10:00:00"), months=1)) == "27-02-2021 23:59:59"
    assert kl_format(coverage_end(start=kl_parse("29-02-2020 09:00:00"), months=12)) == "27-02-2021 23:59:59"
    assert kl_format(coverage_end(start=kl_parse("31-03-2020 09:00:00"), months=1)) == "29-04-2020 23:59:59"


def test_start_is_read_in_kuala_lumpur_time_even_when_given_in_utc():
    # 23:30 UTC on 31-12-2019 is 07:30 on 01-01-2020 in Kuala Lumpur.
    start = datetime(2019, 12, 31, 23, 30, tzinfo=UTC)
    assert kl_format(coverage_end(start=start, months=1)) == "31-01-2020 23:59:59"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        coverage_end(start=datetime(2020, 1, 1), months=1)


@pytest.mark.parametrize("months", [0, 13, -1, 1.5, True])
def test_months_outside_1_to_12_are_refused(months):
    with pytest.raises(ValueError):
        coverage_end(start=kl_parse("01-01-2020 00:00:00"), months=months)


def test_renewal_while_cover_runs_starts_the_day_after_the_latest_end():
    latest_end = kl_parse("18-01-2020 23:59:59")
    start = renewal_start(latest_end=latest_end, paid_at=kl_parse("10-01-2020 12:00:00"))
    assert kl_format(start) == "19-01-2020 00:00:00"
    period = renewal_period(latest_end=latest_end, paid_at=kl_parse("10-01-2020 12:00:00"), months=3)
    assert kl_format(period.end) == "18-04-2020 23:59:59"


def test_renewal_paid_in_the_last_second_of_cover_is_still_contiguous():
    latest_end = kl_parse("18-01-2020 23:59:59")
    assert kl_format(renewal_start(latest_end=latest_end, paid_at=latest_end)) == "19-01-2020 00:00:00"


def test_renewal_after_a_lapse_starts_at_the_payment_time_never_backdated():
    latest_end = kl_parse("18-01-2020 23:59:59")
    paid_at = kl_parse("05-03-2020 09:15:00")
    period = renewal_period(latest_end=latest_end, paid_at=paid_at, months=2)
    assert period.start == paid_at
    assert kl_format(period.end) == "04-05-2020 23:59:59"


moments = st.datetimes(min_value=datetime(2017, 6, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=KL, microsecond=0)
)
month_counts = st.integers(min_value=1, max_value=12)


@given(start=moments, months=month_counts)
def test_an_end_never_precedes_its_start(start, months):
    period = coverage_period(start=start, months=months)
    assert period.end > period.start
    assert (period.end.hour, period.end.minute, period.end.second) == (23, 59, 59)
    # Never longer than N months: the end lies before the same day N months on.
    assert period.end - period.start < timedelta(days=31 * months + 1)


@given(start=moments, plan=st.lists(month_counts, min_size=1, max_size=6))
def test_consecutive_renewals_leave_no_gap_and_no_overlap(start, plan):
    period = coverage_period(start=start, months=plan[0])
    for months in plan[1:]:
        # Paid while the cover runs: somewhere between the start and the end.
        nxt = renewal_period(latest_end=period.end, paid_at=period.start, months=months)
        assert nxt.start - period.end == timedelta(seconds=1)
        assert nxt.start.time().isoformat() == "00:00:00"
        period = nxt


@given(start=moments, months=month_counts, lapse_seconds=st.integers(min_value=1, max_value=400 * 86400))
def test_cover_after_a_lapse_is_never_retroactive(start, months, lapse_seconds):
    period = coverage_period(start=start, months=months)
    paid_at = period.end + timedelta(seconds=lapse_seconds)
    assert renewal_start(latest_end=period.end, paid_at=paid_at) == paid_at


# The last second (DESIGN.md: fractions of a second after 23:59:59 belong to the day they are in, the next day
# starts at 00:00:00). Cover is the half-open period [start, end + 1 s).
LAST_DAY_END = kl_parse("18-01-2020 23:59:59")
FIRST_START = kl_parse("19-12-2019 16:26:12")


@pytest.mark.parametrize(("moment", "covered"), [
    (LAST_DAY_END, True),
    (LAST_DAY_END.replace(microsecond=400000), True),
    (LAST_DAY_END.replace(microsecond=999999), True),
    (kl_parse("19-01-2020 00:00:00"), False),
])
def test_the_last_second_of_cover_is_covered_to_its_last_fraction(moment, covered):
    assert covered_at(start=FIRST_START, end=LAST_DAY_END, moment=moment) is covered
    assert cover_ended(end=LAST_DAY_END, moment=moment) is not covered


@pytest.mark.parametrize("microsecond", [0, 400000, 999999])
def test_a_renewal_paid_in_the_last_fraction_of_cover_starts_the_next_day(microsecond):
    paid_at = LAST_DAY_END.replace(microsecond=microsecond)
    period = renewal_period(latest_end=LAST_DAY_END, paid_at=paid_at, months=3)
    assert kl_format(period.start) == "19-01-2020 00:00:00" and period.start.microsecond == 0
    assert kl_format(period.end) == "18-04-2020 23:59:59"


def test_a_renewal_paid_at_midnight_after_the_end_starts_then_without_a_gap():
    paid_at = kl_parse("19-01-2020 00:00:00")
    assert renewal_start(latest_end=LAST_DAY_END, paid_at=paid_at) == paid_at


def test_no_cover_counts_as_ended():
    assert cover_ended(end=None, moment=FIRST_START)


fractional_moments = st.datetimes(min_value=datetime(2017, 6, 1), max_value=datetime(2035, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=KL)
)


@given(start=fractional_moments, months=month_counts, offset=st.integers(min_value=-10**6, max_value=10**6),
       near=st.sampled_from(["start", "end"]))
def test_every_moment_is_in_exactly_one_state(start, months, offset, near):
    """Before the start, covered, or ended: exactly one holds, also within a second of either edge."""
    period = coverage_period(start=start, months=months)
    edge = period.start if near == "start" else period.end + timedelta(seconds=1)
    moment = edge + timedelta(microseconds=offset)
    before = moment < period.start
    covered = covered_at(start=period.start, end=period.end, moment=moment)
    ended = cover_ended(end=period.end, moment=moment)
    assert [before, covered, ended].count(True) == 1


@given(start=fractional_moments, plan=st.lists(month_counts, min_size=2, max_size=5),
       paid=st.lists(st.floats(min_value=0, max_value=1), min_size=4, max_size=4))
def test_renewals_paid_any_time_while_covered_never_gap_or_overlap(start, plan, paid):
    """Paid at any instant of the cover, its last fraction of a second included: the next period begins
    exactly where the previous one stops, so every instant is covered by exactly one period."""
    period = coverage_period(start=start, months=plan[0])
    for months, share in zip(plan[1:], paid, strict=False):
        span = period.until - period.start - timedelta(microseconds=1)
        paid_at = period.start + span * share
        nxt = renewal_period(latest_end=period.end, paid_at=paid_at, months=months)
        assert nxt.start == period.until
        assert not covered_at(start=nxt.start, end=nxt.end, moment=period.until - timedelta(microseconds=1))
        assert covered_at(start=period.start, end=period.end, moment=period.until - timedelta(microseconds=1))
        assert not covered_at(start=period.start, end=period.end, moment=nxt.start)
        period = nxt
