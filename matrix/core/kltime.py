"""Kuala Lumpur time. The database stores UTC; people see Asia/Kuala_Lumpur in the seed's format."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.utils import timezone

KL = ZoneInfo("Asia/Kuala_Lumpur")
SEED_FORMAT = "%d-%m-%Y %H:%M:%S"  # 19-12-2019 16:26:12
SEED_DATE_FORMAT = "%d-%m-%Y"


def kl_now() -> datetime:
    return timezone.now().astimezone(KL)


def kl(moment: datetime) -> datetime:
    """The same instant in Kuala Lumpur time. Naive datetimes are refused."""
    if timezone.is_naive(moment):
        raise ValueError("naive datetime: attach a time zone first")
    return moment.astimezone(KL)


def kl_datetime(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=KL)


def kl_parse(text: str) -> datetime:
    """Parse `19-12-2019 16:26:12` as Kuala Lumpur time."""
    return datetime.strptime(text, SEED_FORMAT).replace(tzinfo=KL)


def kl_format(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return kl(moment).strftime(SEED_FORMAT)


def kl_format_date(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = kl(moment).date()
    return moment.strftime(SEED_DATE_FORMAT)


def kl_start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), tzinfo=KL)
