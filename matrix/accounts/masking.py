"""Partly masked personal details for emails and pages (as in the seed's activation email: `89 [REDACTED]`)."""

from matrix.accounts.validators import mobile_display


def mask(value: str, *, keep: int) -> str:
    if len(value) <= keep:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep)


def mask_id_number(id_number: str) -> str:
    return mask(id_number, keep=2)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return mask(local, keep=min(4, max(1, len(local) - 1))) + ("@" + domain if domain else "")


def mask_mobile(e164_digits: str) -> str:
    """`60108877665` -> `010****7665`."""
    local = mobile_display(e164_digits)
    if len(local) <= 7:
        return mask(local, keep=3)
    return local[:3] + "*" * (len(local) - 7) + local[-4:]
