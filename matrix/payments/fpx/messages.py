"""FPX B2C messages: builders for what we send (BE, AR, AE) and parsers for what FPX sends (BC, AC).

Everything here is pure: the caller passes the seller, the key, the certificates and the clock, so the
functions are tested against fixed vectors. `services.py` and `client.py` supply them from settings.

Message flow: BE -> BC (bank list), AR (posted by the browser) -> AC (direct host-to-host and indirect through
the browser), AE (enquiry) -> AC. Bodies are application/x-www-form-urlencoded; fields are named `fpx_<name>`.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from matrix.core.kltime import KL, kl
from matrix.payments.fpx import checksum
from matrix.payments.fpx.codes import code_meaning, status_for_code
from matrix.payments.fpx.config import Seller
from matrix.payments.fpx.exceptions import MessageRefused

MSG_TOKEN_B2C = "01"
CURRENCY = "MYR"
AMOUNT_MIN = Decimal("1.00")
AMOUNT_MAX = Decimal("30000.00")
TIME_FORMAT = "%Y%m%d%H%M%S"
PRODUCT_DESC = "SKSPS Contribution"

_AMOUNT_RE = re.compile(r"^\d{1,5}\.\d{2}$")
# Characters FPX accepts in a buyer's name (the UAT simulator echoes `N@ME()/ .-&BUYER`).
_NAME_UNSAFE_RE = re.compile(r"[^A-Za-z0-9 @()/.\-&',]")
_SPACES_RE = re.compile(r"\s+")
BUYER_NAME_MAX = 40


# --- values -------------------------------------------------------------------------------------------------

def amount_format(amount: Decimal) -> str:
    """`77.60`: exactly two decimals, inside FPX's B2C limits (RM1.00 to RM30,000.00)."""
    if not isinstance(amount, Decimal):
        raise ValueError("FPX amounts are Decimals")
    value = amount.quantize(Decimal("0.01"))
    if value != amount:
        raise ValueError(f"{amount} has more than two decimals")
    if not AMOUNT_MIN <= value <= AMOUNT_MAX:
        raise ValueError(f"RM{value} is outside the FPX B2C limits (RM1.00 to RM30,000.00)")
    return f"{value:.2f}"


def amount_parse(text: str) -> Decimal:
    """The amount of a received message; refuses anything but `d.dd` inside the B2C limits."""
    if not _AMOUNT_RE.match(text or ""):
        raise MessageRefused(f"malformed amount {text!r}")
    value = Decimal(text)
    if not AMOUNT_MIN <= value <= AMOUNT_MAX:
        raise MessageRefused(f"amount RM{text} outside the B2C limits")
    return value


def time_format(moment: datetime) -> str:
    """`20191227163508` in Kuala Lumpur time (sellerTxnTime)."""
    return kl(moment).strftime(TIME_FORMAT)


def time_parse(text: str) -> datetime | None:
    """FPX times are Kuala Lumpur wall-clock times; empty means none (e.g. an AC for an unknown transaction)."""
    if not text:
        return None
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=KL)
    except ValueError as exc:
        raise MessageRefused(f"malformed FPX time {text!r}") from exc


def buyer_name_safe(name: str) -> str:
    """The buyer's name with only the characters FPX accepts, at most 40 of them."""
    cleaned = _NAME_UNSAFE_RE.sub("", _SPACES_RE.sub(" ", name or "")).strip()
    return cleaned[:BUYER_NAME_MAX].strip()


# --- form bodies --------------------------------------------------------------------------------------------

def form_parse(body: str | bytes) -> dict[str, str]:
    """Decode an urlencoded body as FPX sends it (`+` is a space, blank values kept). A field given twice is
    refused: we never guess which of two values was signed."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MessageRefused("body is not UTF-8") from exc
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(body.strip(), keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise MessageRefused("malformed form body") from exc
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:  # no FPX value holds one, and PostgreSQL text cannot store it
            raise MessageRefused("NUL character in the form body")
        if name in fields:
            raise MessageRefused(f"field {name} given twice")
        fields[name] = value
    return fields


def message_signed(fields: Mapping[str, str], msg_type: str, private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """`fields` in checksum order with `fpx_checkSum` added (the order the form posts them in)."""
    order = checksum.FIELDS_BY_TYPE[msg_type]
    ordered = {f"fpx_{name}": fields.get(f"fpx_{name}", "") for name in order}
    ordered[checksum.CHECKSUM_FIELD] = checksum.message_sign(ordered, msg_type, private_key)
    return ordered


def message_check(fields: Mapping[str, str], msg_type: str, *, certificates: Sequence[x509.Certificate],
                  now: datetime) -> None:
    """Refuse a received message that is not of `msg_type`, is not B2C, or whose checksum no current FPX
    certificate verifies."""
    if fields.get("fpx_msgType") != msg_type:
        raise MessageRefused(f"expected a {msg_type} message, got {fields.get('fpx_msgType')!r}")
    if not fields.get(checksum.CHECKSUM_FIELD):
        raise MessageRefused("no checksum")
    if not checksum.message_verify(fields, msg_type, certificates, now=now):
        raise MessageRefused("checksum does not verify with any current FPX certificate")
    if fields.get("fpx_msgToken") != MSG_TOKEN_B2C:
        raise MessageRefused(f"not a B2C message (msgToken {fields.get('fpx_msgToken')!r})")


# --- BE / BC: the bank list ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class BankOption:
    code: str
    name: str
    available: bool


def be_build(*, seller: Seller, private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    fields = {"fpx_msgToken": MSG_TOKEN_B2C, "fpx_msgType": "BE", "fpx_sellerExId": seller.ex_id,
              "fpx_version": seller.version}
    return message_signed(fields, "BE", private_key)


def bank_list_parse(bank_list: str, names: Mapping[str, str] | None = None) -> list[BankOption]:
    """`MBB0228~A,CIT0219~B,...`: A is available, B offline. Names come from our reference data; a code we do
    not know is shown by its code. Sorted by name, as the seed's drop-down list is."""
    names = names or {}
    banks: dict[str, BankOption] = {}
    for item in bank_list.split(","):
        item = item.strip()
        if not item:
            continue
        code, _sep, state = item.partition("~")
        code = code.strip()
        if not code:
            continue
        banks[code] = BankOption(code=code, name=names.get(code) or code, available=state.strip() == "A")
    return sorted(banks.values(), key=lambda bank: (bank.name.casefold(), bank.code))


def bc_parse(body: str | bytes, *, certificates: Sequence[x509.Certificate], now: datetime,
             seller_ex_id: str | None = None, names: Mapping[str, str] | None = None) -> list[BankOption]:
    fields = form_parse(body)
    message_check(fields, "BC", certificates=certificates, now=now)
    if seller_ex_id is not None and fields.get("fpx_sellerExId") != seller_ex_id:
        raise MessageRefused("bank list for another seller exchange")
    return bank_list_parse(fields.get("fpx_bankList", ""), names)


# --- AR / AE: what we ask -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Order:
    """One payment attempt as FPX sees it: frozen when the buyer leaves for the bank."""

    seller_ex_order_no: str
    seller_order_no: str
    seller_txn_time: str
    amount: Decimal
    buyer_email: str = ""
    buyer_name: str = ""
    buyer_bank_id: str = ""
    product_desc: str = PRODUCT_DESC


def _request_fields(msg_type: str, *, seller: Seller, order: Order) -> dict[str, str]:
    return {
        "fpx_msgType": msg_type,
        "fpx_msgToken": MSG_TOKEN_B2C,
        "fpx_sellerExId": seller.ex_id,
        "fpx_sellerExOrderNo": order.seller_ex_order_no,
        "fpx_sellerTxnTime": order.seller_txn_time,
        "fpx_sellerOrderNo": order.seller_order_no,
        "fpx_sellerId": seller.id,
        "fpx_sellerBankCode": seller.bank_code,
        "fpx_txnCurrency": CURRENCY,
        "fpx_txnAmount": amount_format(order.amount),
        "fpx_buyerEmail": order.buyer_email,
        "fpx_buyerName": buyer_name_safe(order.buyer_name),
        "fpx_buyerBankId": order.buyer_bank_id,
        "fpx_buyerBankBranch": "",
        "fpx_buyerAccNo": "",
        "fpx_buyerId": "",
        "fpx_makerName": "",
        "fpx_buyerIban": "",
        "fpx_productDesc": order.product_desc,
        "fpx_version": seller.version,
    }


def ar_build(*, seller: Seller, order: Order, private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The signed authorisation request the browser posts to FPX."""
    return message_signed(_request_fields("AR", seller=seller, order=order), "AR", private_key)


def ae_build(*, seller: Seller, order: Order, private_key: rsa.RSAPrivateKey) -> dict[str, str]:
    """The signed enquiry for an order whose outcome we do not know; FPX answers in AC form."""
    return message_signed(_request_fields("AE", seller=seller, order=order), "AE", private_key)


# --- AC: what FPX answers -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuthConfirmation:
    seller_ex_id: str
    seller_id: str
    seller_ex_order_no: str
    seller_order_no: str
    seller_txn_time: str
    amount: Decimal
    currency: str
    debit_auth_code: str
    debit_auth_no: str
    credit_auth_code: str
    credit_auth_no: str
    fpx_txn_id: str
    fpx_txn_time: datetime | None
    buyer_bank_id: str
    buyer_bank_branch: str
    buyer_name: str
    fields: dict[str, str] = field(repr=False, default_factory=dict)

    @property
    def status(self) -> str:
        """PAID, PENDING or FAILED."""
        return status_for_code(self.debit_auth_code)

    @property
    def meaning(self) -> str:
        return code_meaning(self.debit_auth_code)


def ac_from_fields(fields: Mapping[str, str], *, certificates: Sequence[x509.Certificate],
                   now: datetime) -> AuthConfirmation:
    """Verify and read an AC (direct, indirect or the answer to an AE) already decoded into fields."""
    message_check(fields, "AC", certificates=certificates, now=now)
    if fields.get("fpx_txnCurrency") != CURRENCY:
        raise MessageRefused(f"currency {fields.get('fpx_txnCurrency')!r} is not MYR")
    if not fields.get("fpx_sellerExOrderNo"):
        raise MessageRefused("no seller exchange order number")
    if not fields.get("fpx_debitAuthCode"):
        raise MessageRefused("no response code")
    amount = amount_parse(fields.get("fpx_txnAmount", ""))
    return AuthConfirmation(
        seller_ex_id=fields.get("fpx_sellerExId", ""),
        seller_id=fields.get("fpx_sellerId", ""),
        seller_ex_order_no=fields["fpx_sellerExOrderNo"],
        seller_order_no=fields.get("fpx_sellerOrderNo", ""),
        seller_txn_time=fields.get("fpx_sellerTxnTime", ""),
        amount=amount,
        currency=fields["fpx_txnCurrency"],
        debit_auth_code=fields["fpx_debitAuthCode"],
        debit_auth_no=fields.get("fpx_debitAuthNo", ""),
        credit_auth_code=fields.get("fpx_creditAuthCode", ""),
        credit_auth_no=fields.get("fpx_creditAuthNo", ""),
        fpx_txn_id=fields.get("fpx_fpxTxnId", ""),
        fpx_txn_time=time_parse(fields.get("fpx_fpxTxnTime", "")),
        buyer_bank_id=fields.get("fpx_buyerBankId", ""),
        buyer_bank_branch=fields.get("fpx_buyerBankBranch", ""),
        buyer_name=fields.get("fpx_buyerName", ""),
        fields=dict(fields),
    )


def ac_parse(body: str | bytes, *, certificates: Sequence[x509.Certificate], now: datetime) -> AuthConfirmation:
    """Verify and read an AC from its raw urlencoded body."""
    return ac_from_fields(form_parse(body), certificates=certificates, now=now)
