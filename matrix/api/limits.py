"""Rate limits of the API (django-ratelimit's counters in the shared cache). Over the limit: 429 with
Retry-After, the seconds left in the window."""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django_ratelimit.core import get_usage
from ninja.throttling import BaseThrottle

from matrix.accounts.conf import conf
from matrix.api.errors import RateLimited
from matrix.core.client_ip import client_ip


def limit(request, *, group: str, rate: str, message=None) -> None:
    """Count one POST in `group` per client IP (django-ratelimit's "ip" key, which reads matrix.core.client_ip);
    raise RateLimited beyond `rate` (e.g. "20/h"). The same group, key and method as a page's
    `is_ratelimited` share one counter with it."""
    # Without an address (a bare WSGI call) django-ratelimit's "ip" key fails: count those under one name.
    key = "ip" if client_ip(request) else (lambda _group, _request: "unknown")
    usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
    if usage is not None and usage["should_limit"]:
        raise RateLimited(message, retry_after=max(1, usage["time_left"]))


def otp_ip_limit(request) -> None:
    """The accounts pages' per-IP limit on sending codes (SMS costs money): one budget for pages and API."""
    limit(request, group="accounts:otp", rate=conf("ACCOUNTS_OTP_PER_IP_PER_HOUR"))


def login_ip_limit(request) -> None:
    limit(request, group="api:login", rate=getattr(settings, "API_LOGIN_RATE", "30/m"))


class ClientThrottle(BaseThrottle):
    """The API's general rate limit: per account when a valid access token came with the request, else per
    client IP (matrix.core.client_ip, which trusts only the configured proxy header). Rates are read from the
    settings on each request (API_RATE_USER, API_RATE_ANON); a sliding window kept in the shared cache.
    Per-request state lives in a thread-local, since one throttle object serves every thread."""

    def __init__(self):
        self._local = threading.local()

    def _rate(self, request) -> tuple[int, int]:
        authenticated = getattr(request, "api_session", None) is not None
        rate = getattr(settings, "API_RATE_USER", "300/m") if authenticated else getattr(
            settings, "API_RATE_ANON", "120/m")
        count, period = rate.split("/")
        return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]

    def allow_request(self, request) -> bool:
        session = getattr(request, "api_session", None)
        ident = f"user:{session.user_id}" if session is not None else f"ip:{client_ip(request) or 'unknown'}"
        key = f"matrix.api.throttle:{ident}"
        limit_count, duration = self._rate(request)
        now = time.time()
        history = [moment for moment in cache.get(key, []) if moment > now - duration]
        if len(history) >= limit_count:
            self._local.wait = max(1.0, history[0] + duration - now)
            return False
        history.append(now)
        cache.set(key, history, duration)
        self._local.wait = None
        return True

    def wait(self):
        return getattr(self._local, "wait", None)
