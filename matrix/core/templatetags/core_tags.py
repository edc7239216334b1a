from django import template

from matrix.core.kltime import kl_format, kl_format_date
from matrix.core.money import money_format

register = template.Library()


@register.filter
def kl_datetime(value):
    """19-12-2019 16:26:12, in Kuala Lumpur time."""
    return kl_format(value)


@register.filter
def kl_date(value):
    return kl_format_date(value)


@register.filter
def rm(value, places=2):
    """RM 77.60 (or RM 1,050 with places=0)."""
    if value is None or value == "":
        return ""
    return money_format(value, places=int(places))
