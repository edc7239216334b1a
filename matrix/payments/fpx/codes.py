"""FPX response codes (fpx_debitAuthCode) and what they mean for a payment.

00 is an approval; 09 and 99 mean the bank has not decided yet; every other code is a final refusal, except:
- 76 (transaction not found) answers an enquiry about an order FPX has not seen yet: while the AR is still valid
  (FPX_AR_VALIDITY_SECONDS) the buyer may still reach the bank, so it is final only once the order is older;
- XO, XN and 45 (duplicate order numbers) answer a second posting of the same AR (a double click): they say
  nothing about the order itself, which the first posting may still complete, so they never fail it.
The meanings are the ones PayNet publishes in its merchant specification."""

from django.utils.translation import gettext_lazy as _

APPROVED = "00"
PENDING_CODES = frozenset({"09", "99"})
NOT_FOUND = "76"
DUPLICATE_ORDER_CODES = frozenset({"XO", "XN", "45"})

RESPONSE_CODES = {
    "00": _("Approved"),
    "03": _("Invalid merchant"),
    "05": _("Invalid seller"),
    "09": _("Transaction Pending"),
    "12": _("Invalid transaction"),
    "13": _("Invalid amount"),
    "14": _("Invalid buyer account"),
    "20": _("Invalid response"),
    "30": _("Format error"),
    "31": _("Invalid bank"),
    "39": _("No credit account"),
    "45": _("Duplicate seller order number"),
    "46": _("Invalid seller exchange or seller"),
    "47": _("Invalid currency"),
    "48": _("Maximum transaction limit exceeded"),
    "49": _("Merchant specific limit exceeded"),
    "50": _("Invalid seller for merchant specific limit"),
    "51": _("Insufficient Funds"),
    "53": _("Transaction not found"),
    "57": _("Transaction not permitted"),
    "58": _("Transaction not permitted"),
    "65": _("Exceeds withdrawal frequency"),
    "76": _("Transaction not found"),
    "77": _("Buyer account closed"),
    "78": _("Buyer account dormant"),
    "79": _("Buyer account frozen"),
    "83": _("Invalid bank account"),
    "84": _("Transaction limit exceeded"),
    "85": _("Internal error"),
    "87": _("Bank not available"),
    "88": _("Bank not available"),
    "89": _("Bank not available"),
    "99": _("Pending Authorization"),
    "1A": _("Buyer session timeout at internet banking login page"),
    "1B": _("Buyer failed to provide the necessary information to login to internet banking"),
    "1C": _("Buyer chose cancel at login page"),
    "1D": _("Buyer session timeout at account selection page"),
    "1E": _("Buyer failed to provide the necessary information at account selection page"),
    "1F": _("Buyer chose cancel at account selection page"),
    "1G": _("Buyer session timeout at TAC request page"),
    "1H": _("Buyer failed to provide the necessary information at TAC request page"),
    "1I": _("Buyer chose cancel at TAC request page"),
    "1J": _("Buyer session timeout at confirmation page"),
    "1K": _("Buyer failed to provide the necessary information at confirmation page"),
    "1L": _("Buyer chose cancel at confirmation page"),
    "1M": _("Buyer timeout: the session at the bank expired"),
    "2A": _("Transaction amount is lower than the minimum limit"),
    "2X": _("Transaction is cancelled by merchant"),
    "BC": _("Cancelled By Customer"),
    "DA": _("Invalid buyer details"),
    "FE": _("Internal error"),
    "OE": _("Transaction rejected as not in FPX operating hours"),
    "OF": _("Transaction timeout"),
    "SB": _("Invalid acquiring bank code"),
    "XA": _("Invalid source IP address (applicable for B2B2 model)"),
    "XB": _("Invalid seller exchange IP"),
    "XC": _("Seller exchange encryption error"),
    "XE": _("Invalid message"),
    "XF": _("Invalid number of orders"),
    "XI": _("Invalid seller exchange"),
    "XM": _("Invalid FPX transaction model"),
    "XN": _("Transaction rejected due to duplicate seller exchange order number"),
    "XO": _("Duplicate exchange order number"),
    "XS": _("Seller does not belong to seller exchange"),
    "XT": _("Invalid transaction type"),
    "XW": _("Seller exchange date difference exceeded"),
}


def code_meaning(code: str) -> str:
    """The meaning of a response code, in the current language; unknown codes are named as such."""
    meaning = RESPONSE_CODES.get(code)
    if meaning is None:
        return str(_("Unknown response code %(code)s")) % {"code": code or "-"}
    return str(meaning)


def status_for_code(code: str, *, order_live: bool = False) -> str:
    """PAID, PENDING or FAILED (the values of payments.models.Payment.Status). `order_live`: the order's AR is
    still within FPX's validity, so "transaction not found" is not final yet."""
    if code == APPROVED:
        return "PAID"
    if code in PENDING_CODES or code in DUPLICATE_ORDER_CODES or (code == NOT_FOUND and order_live):
        return "PENDING"
    return "FAILED"
