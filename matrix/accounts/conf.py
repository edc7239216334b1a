"""Accounts limits. Each may be overridden by a Django setting of the same name (tests do)."""

from django.conf import settings

_DEFAULTS = {
    # One-time codes (SMS): DESIGN.md "OTP" rules.
    "ACCOUNTS_OTP_TTL_SECONDS": 10 * 60,
    "ACCOUNTS_OTP_MAX_ATTEMPTS": 5,
    # After the tries of a code run out, no new code for that account and purpose for this long.
    "ACCOUNTS_OTP_LOCK_SECONDS": 15 * 60,
    "ACCOUNTS_OTP_RESEND_COOLDOWN_SECONDS": 60,
    "ACCOUNTS_OTP_PER_NUMBER_PER_HOUR": 5,
    "ACCOUNTS_OTP_PER_ACCOUNT_PER_HOUR": 5,
    "ACCOUNTS_OTP_PER_IP_PER_HOUR": "20/h",
    # Email links.
    "ACCOUNTS_ACTIVATION_LINK_HOURS": 24,
    "ACCOUNTS_RESET_LINK_HOURS": 1,
    "ACCOUNTS_EMAIL_CHANGE_LINK_HOURS": 24,
    "ACCOUNTS_LINKS_PER_ACCOUNT_PER_HOUR": 5,
    "ACCOUNTS_LINKS_PER_IP_PER_HOUR": "20/h",
    # Email links opened with a token that matches no link, per address (tokens are 256 bits: this only keeps
    # scanners from walking the space for free).
    "ACCOUNTS_LINK_GUESSES_PER_IP_PER_HOUR": "30/h",
    # Login, IC step: IC numbers one address may look up (each shows a secret phrase).
    "ACCOUNTS_IC_LOOKUPS_PER_IP_PER_HOUR": "30/h",
    # Login, password step: tries with an answer per IC number per hour from all addresses together; past them
    # the login needs a one-time code by SMS too, and the owner is told (django-axes still locks IC + address).
    "ACCOUNTS_LOGIN_FAILURES_PER_HOUR": 10,
}


def conf(name: str):
    return getattr(settings, name, _DEFAULTS[name])
