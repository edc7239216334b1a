"""Test helpers for FPX: throwaway key pairs, and ACs signed the way FPX (or the simulator) signs them."""

import datetime
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from matrix.payments.fpx.messages import message_signed

VECTORS = Path("/work/shared/fpx-vectors")
if not VECTORS.exists():  # pragma: no cover - the vectors also live beside the repository in CI checkouts
    VECTORS = Path(__file__).resolve().parents[3] / "shared" / "fpx-vectors"
UAT_CERT = VECTORS / "certs" / "fpxuat_2019-10-22_to_2022-10-21.pem"
LATER_CERTS = [VECTORS / "certs" / "fpxuat_2022-10-17_to_2024-10-16.pem",
               VECTORS / "certs" / "fpxprod_2022-03-11_to_2023-03-11.pem"]

SELLER_EX_ID = "EX00000001"
SELLER_ID = "SE00000001"


@dataclass
class KeyPair:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate
    key_path: Path
    cert_path: Path


def key_pair_make(directory: Path, stem: str, *, days: int = 365, key_size: int = 2048) -> KeyPair:
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{stem} (test)")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=days))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{stem}_private.pem", directory / f"{stem}_cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return KeyPair(key=key, cert=cert, key_path=key_path, cert_path=cert_path)


def ac_fields(payment, *, key: rsa.RSAPrivateKey, code: str = "00", **overrides) -> dict[str, str]:
    """An AC for `payment` as FPX would send it, signed with `key`. `overrides` replace values before signing
    (keys without the fpx_ prefix)."""
    approved = code == "00"
    fields = {
        "fpx_msgType": "AC",
        "fpx_msgToken": "01",
        "fpx_sellerExId": SELLER_EX_ID,
        "fpx_sellerId": SELLER_ID,
        "fpx_sellerExOrderNo": payment.seller_ex_order_no,
        "fpx_sellerOrderNo": payment.seller_order_no,
        "fpx_sellerTxnTime": payment.seller_txn_time,
        "fpx_txnAmount": f"{payment.amount:.2f}",
        "fpx_txnCurrency": "MYR",
        "fpx_debitAuthCode": code,
        "fpx_debitAuthNo": "15733223" if approved else "",
        "fpx_creditAuthCode": "00" if approved else "",
        "fpx_creditAuthNo": "9999999999" if approved else "",
        "fpx_fpxTxnId": "2512271635080001",
        "fpx_fpxTxnTime": "20251227163508",
        "fpx_buyerBankId": "ABB0233",
        "fpx_buyerBankBranch": "AFFIN BANK",
        "fpx_buyerName": "SITI BINTI HASSAN",
        "fpx_buyerId": "",
        "fpx_buyerIban": "",
        "fpx_makerName": "",
    }
    fields.update({f"fpx_{name}": value for name, value in overrides.items()})
    return message_signed(fields, "AC", key)


def body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def tamper(fields: dict[str, str], name: str, value: str) -> dict[str, str]:
    """The same message with one value changed and the old checksum kept."""
    changed = dict(fields)
    changed[name] = value
    return changed

