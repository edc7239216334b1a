"""Refusals raised by the accounts services and selectors. Each carries a message for the person, already in
their language; views show it and change nothing else."""

from django.utils.translation import gettext_lazy as _


class AccountError(Exception):
    default_message = _("Something went wrong. Please try again.")

    def __init__(self, message=None, *, code: str = ""):
        self.message = message or self.default_message
        self.code = code
        super().__init__(str(self.message))  # messages never carry codes or tokens


class SignupAlreadyDone(AccountError):
    default_message = _("This ID number has already signed up for a MATRIX account. Please log in instead.")


class OtpRefused(AccountError):
    """A code that is wrong, expired, already used, or whose tries have run out."""


class OtpLimited(AccountError):
    """No code sent: a cooldown or a sending limit applies. `retry_after` is in seconds when known."""

    def __init__(self, message=None, *, code: str = "", retry_after: int | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class LinkInvalid(AccountError):
    """An email link that is unknown, expired, already used or replaced by a newer one."""


class LinkLimited(AccountError):
    default_message = _("Too many links have been sent. Please try again in an hour.")
