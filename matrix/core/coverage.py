"""Coverage-period arithmetic (DESIGN.md "Coverage periods"). All in Kuala Lumpur time.

end = (start date + N calendar months - 1 day) at 23:59:59, month addition clamping to the month's last day.
A renewal starts at 00:00:00 the day after the latest end while cover runs (or is paid ahead); after a lapse
it starts at the payment time. Cover is never retroactive.

Every instant belongs to exactly one state, so periods are half-open: the stored (and displayed) end is the
last whole second, 23:59:59, and cover lasts while start <= moment < end + 1 s. Fractions of a second after
23:59:59 are still covered; 00:00:00 the next day is not. `covered_at`, `cover_ended` and `renewal_start` are
the only places that compare a moment with an end: everything else calls them.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from matrix.core.kltime import KL, kl

MIN_MONTHS = 1
MAX_MONTHS = 12
END_OF_DAY = time(23, 59, 59)
LAST_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def until(self) -> datetime:
        """The first instant no longer covered (the exclusive end)."""
        return cover_until(self.end)


def _check_months(months: int) -> None:
    if not isinstance(months, int) or isinstance(months, bool) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise ValueError(f"contribution months must be {MIN_MONTHS} to {MAX_MONTHS}, not {months!r}")


def cover_until(end: datetime) -> datetime:
    """The exclusive end of a period whose last second is `end` (23:59:59 -> 00:00:00 the next day)."""
    return kl(end) + LAST_SECOND


def covered_at(*, start: datetime, end: datetime, moment: datetime) -> bool:
    """Whether `moment` lies in the half-open period [start, end + 1 s)."""
    return kl(start) <= kl(moment) < cover_until(end)


def cover_ended(*, end: datetime | None, moment: datetime) -> bool:
    """Whether a cover whose last second is `end` has ended at `moment` (no cover at all counts as ended)."""
    return end is None or kl(moment) >= cover_until(end)


def coverage_end(*, start: datetime, months: int) -> datetime:
    """Last second of a period of `months` calendar months beginning at `start`."""
    _check_months(months)
    start_day = kl(start).date()
    last_day = start_day + relativedelta(months=months) - timedelta(days=1)
    return datetime.combine(last_day, END_OF_DAY, tzinfo=KL)


def coverage_period(*, start: datetime, months: int) -> Period:
    return Period(start=kl(start), end=coverage_end(start=start, months=months))


def renewal_start(*, latest_end: datetime | None, paid_at: datetime) -> datetime:
    """Start of a renewal paid at `paid_at` for a sector whose cover ends (or ended) at `latest_end`.

    Paid while covered (or paid ahead), up to the last fraction of 23:59:59: 00:00:00 the next day. Paid
    after the cover ended: the payment time."""
    paid_at = kl(paid_at)
    if latest_end is None or cover_ended(end=latest_end, moment=paid_at):
        return paid_at
    return cover_until(latest_end)


def renewal_period(*, latest_end: datetime | None, paid_at: datetime, months: int) -> Period:
    return coverage_period(start=renewal_start(latest_end=latest_end, paid_at=paid_at), months=months)
