"""Pages of the embedded default that show everyone's data — the outbox of SMS and email (/dev/outbox/) and the
FPX simulator's list of transactions — answer only on the machine's own address (a loopback client, as seen
through `client_ip`, so behind a proxy the proxy's own address does not count when CLIENT_IP_HEADER is set) or to
a signed-in, active staff member whose session passed the second factor. Anyone else gets the ordinary 404, as if
the page did not exist.

`LocalOnlyMiddleware` guards by URL prefix (the outbox's views belong to the notifications app);
`local_only` wraps a single view (the simulator's index)."""

import ipaddress
from functools import lru_cache, wraps

from django.http import Http404

from matrix.core.client_ip import client_ip

LOCAL_ONLY_PATH_PREFIXES = ("/dev/outbox/",)


@lru_cache(maxsize=1024)  # a pure function of the address, asked on every anonymous page request
def address_is_local(address: str) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def staff_signed_in(request) -> bool:
    """An active staff account whose session passed the second factor (django-otp's `is_verified`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def request_is_local_or_staff(request) -> bool:
    return address_is_local(client_ip(request)) or staff_signed_in(request)


def local_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request_is_local_or_staff(request):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


class LocalOnlyMiddleware:
    """Placed after the authentication and OTP middleware (it reads request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if any(path.startswith(prefix) or path == prefix.rstrip("/") for prefix in LOCAL_ONLY_PATH_PREFIXES):
            if not request_is_local_or_staff(request):
                raise Http404
        return self.get_response(request)
