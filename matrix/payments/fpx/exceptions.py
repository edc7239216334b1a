"""A small hierarchy of payment exceptions, after django-oscar's payment module."""


class PaymentError(Exception):
    """Base of every payment problem."""


class GatewayError(PaymentError):
    """FPX could not be reached, or answered something we cannot use (timeouts, HTTP errors, bad body)."""


class MessageRefused(PaymentError):
    """A message from FPX that we must not act on: bad checksum, expired certificate, wrong type, bad amount."""


class UnableToTakePayment(PaymentError):
    """The payment cannot start: the contribution is paid, rejected, or a payment is already in progress."""


class UserCancelled(PaymentError):
    """The buyer cancelled at FPX or at the bank."""


class RedirectRequired(PaymentError):  # noqa: N818 - oscar's name
    """The browser must go to FPX: post `fields` to `url`."""

    def __init__(self, url: str, fields: dict[str, str]):
        super().__init__(url)
        self.url = url
        self.fields = fields
