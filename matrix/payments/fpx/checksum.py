"""FPX checksums: the message's values joined with `|` in the fixed field order (the field names sorted
alphabetically, without fpx_checkSum), signed RSA PKCS#1 v1.5 with SHA-1, sent as upper-case hex.

The seller signs BE, AR and AE with its private key; FPX signs BC and AC, which we verify with FPX's
certificate. During a certificate rollover both the old and the current certificate are accepted; an expired
certificate is refused."""

import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Field names without the `fpx_` prefix, in checksum order.
AR_FIELDS = (
    "buyerAccNo", "buyerBankBranch", "buyerBankId", "buyerEmail", "buyerIban", "buyerId", "buyerName",
    "makerName", "msgToken", "msgType", "productDesc", "sellerBankCode", "sellerExId", "sellerExOrderNo",
    "sellerId", "sellerOrderNo", "sellerTxnTime", "txnAmount", "txnCurrency", "version",
)
AE_FIELDS = AR_FIELDS
AC_FIELDS = (
    "buyerBankBranch", "buyerBankId", "buyerIban", "buyerId", "buyerName", "creditAuthCode", "creditAuthNo",
    "debitAuthCode", "debitAuthNo", "fpxTxnId", "fpxTxnTime", "makerName", "msgToken", "msgType", "sellerExId",
    "sellerExOrderNo", "sellerId", "sellerOrderNo", "sellerTxnTime", "txnAmount", "txnCurrency",
)
BE_FIELDS = ("msgToken", "msgType", "sellerExId", "version")
BC_FIELDS = ("bankList", "msgToken", "msgType", "sellerExId")

FIELDS_BY_TYPE = {"AR": AR_FIELDS, "AE": AE_FIELDS, "AC": AC_FIELDS, "BE": BE_FIELDS, "BC": BC_FIELDS}
CHECKSUM_FIELD = "fpx_checkSum"


class ChecksumError(Exception):
    """A message whose checksum is missing, malformed or does not verify."""


def checksum_string(fields: Mapping[str, str], order: Sequence[str]) -> str:
    """`fields` keyed `fpx_<name>`; a missing field counts as empty, as FPX does."""
    return "|".join(fields.get(f"fpx_{name}", "") or "" for name in order)


def load_private_key(path: str | Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ChecksumError("the FPX signing key must be an RSA key")
    return key


def load_certificates(paths: Sequence[str | Path]) -> list[x509.Certificate]:
    certificates = []
    for path in paths:
        certificates.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return certificates


def sign(data: str, private_key: rsa.RSAPrivateKey) -> str:
    signature = private_key.sign(data.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 - FPX's own algorithm
    return signature.hex().upper()


def certificate_is_current(certificate: x509.Certificate, *, now: datetime) -> bool:
    return certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc


def verify(data: str, signature_hex: str, certificates: Sequence[x509.Certificate], *, now: datetime) -> bool:
    """True when any certificate valid at `now` verifies the signature over `data`."""
    try:
        signature = bytes.fromhex(signature_hex)
    except (ValueError, TypeError):
        return False
    if not signature:
        return False
    return any(_signature_verifies(data, signature, certificate)
               for certificate in certificates if certificate_is_current(certificate, now=now))


@functools.lru_cache(maxsize=16)
def _public_key(certificate: x509.Certificate) -> rsa.RSAPublicKey | None:
    key = certificate.public_key()
    return key if isinstance(key, rsa.RSAPublicKey) else None


@functools.lru_cache(maxsize=256)
def _signature_verifies(data: str, signature: bytes, certificate: x509.Certificate) -> bool:
    """Whether `certificate`'s key verifies `signature` over `data`: a pure function of the three, kept for the
    latest messages so that one message checked at the door and again by settlement costs one RSA operation."""
    public_key = _public_key(certificate)
    if public_key is None:
        return False
    try:
        public_key.verify(signature, data.encode("utf-8"), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature:
        return False
    return True


def message_sign(fields: Mapping[str, str], msg_type: str, private_key: rsa.RSAPrivateKey) -> str:
    return sign(checksum_string(fields, FIELDS_BY_TYPE[msg_type]), private_key)


def message_verify(
    fields: Mapping[str, str], msg_type: str, certificates: Sequence[x509.Certificate], *, now: datetime
) -> bool:
    return verify(checksum_string(fields, FIELDS_BY_TYPE[msg_type]), fields.get(CHECKSUM_FIELD, ""), certificates,
                  now=now)
