"""The client's IP address for rate limits, lockouts and audit. Behind a reverse proxy REMOTE_ADDR is the
proxy: set CLIENT_IP_HEADER (e.g. HTTP_X_FORWARDED_FOR) and the address the proxy appended — the last one,
the only one the client cannot forge — is used instead."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    if header:
        candidate = request.META.get(header, "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR", "")
