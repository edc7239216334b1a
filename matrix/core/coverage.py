"""Coverage-period arithmetic (DESIGN.md "Coverage periods"). All in Kuala Lumpur time.

end = (start date + N calendar months - 1 day) at 23:59:59, month addition clamping to the month's last day.
A renewal starts at 00:00:00 the day after the latest end while cover runs (or is paid ahead); after a lapse
it starts at the payment time. Cover is never retroactive.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from matrix.core.kltime import KL, kl

MIN_MONTHS = 1
MAX_MONTHS = 12
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime


def _check_months(months: int) -> None:
    if not isinstance(months, int) or isinstance(months, bool) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(f"contribution months must be {MIN_MONTHS} to {MAX_MONTHS}, not {months!r}")


def coverage_end(*, start: datetime, months: int) -> datetime:
    """Last second of a period of `months` calendar months beginning at `start`."""
    _check_months(months)
    start_day = kl(start).date()
    last_day = start_day + relativedelta(months=months) - timedelta(days=1)
    return datetime.combine(last_day, END_OF_DAY, tzinfo=KL)


def coverage_period(*, start: datetime, months: int) -> Period:
    return Period(start=kl(start), end=coverage_end(start=start, months=months))


def renewal_start(*, latest_end: datetime | None, paid_at: datetime) -> datetime:
    """Start of a renewal paid at `paid_at` for a sector whose cover ends (or ended) at `latest_end`."""
    paid_at = kl(paid_at)
    if latest_end is None:
        return paid_at
    latest_end = kl(latest_end)
    if paid_at <= latest_end:
        next_day = latest_end.date() + timedelta(days=1)
        return datetime.combine(next_day, time(0, 0, 0), tzinfo=KL)
    return paid_at


def renewal_period(*, latest_end: datetime | None, paid_at: datetime, months: int) -> Period:
    return coverage_period(start=renewal_start(latest_end=latest_end, paid_at=paid_at), months=months)
