"""Rate limits of the API (django-ratelimit's counters in the shared cache). Over the limit: 429 with
Retry-After, the seconds left in the window."""

from django.conf import settings
from django_ratelimit.core import get_usage

from matrix.accounts.conf import conf
from matrix.api.errors import RateLimited
from matrix.core.client_ip import client_ip


def _ip_key(group, request) -> str:
    return client_ip(request) or "unknown"


def limit(request, *, group: str, rate: str, key=_ip_key, message=None) -> None:
    """Count one request in `group` (per client IP unless `key` says otherwise); raise RateLimited beyond
    `rate` (e.g. "20/h")."""
    usage = get_usage(request, group=group, key=key, rate=rate, method=("GET", "POST", "PUT", "DELETE"),
                      increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(message, retry_after=max(1, usage["time_left"]))


def otp_ip_limit(request) -> None:
    """The accounts pages' per-IP limit on sending codes (SMS costs money), shared with them."""
    limit(request, group="accounts:otp", rate=conf("ACCOUNTS_OTP_PER_IP_PER_HOUR"))


def login_ip_limit(request) -> None:
    limit(request, group="api:login", rate=getattr(settings, "API_LOGIN_RATE", "30/m"))
