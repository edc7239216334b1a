"""Generate development key pairs for FPX into var/keys/ (ignored by git): the seller's key and certificate
(we sign AR/AE/BE; the simulator verifies) and the simulator's key and certificate (it signs AC/BC; we
verify). Existing files are kept. Production keys come from PayNet and are configured by path."""

import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management.base import BaseCommand


def _write_pair(directory: Path, stem: str, common_name: str) -> bool:
    key_path = directory / f"{stem}_private.pem"
    cert_path = directory / f"{stem}_cert.pem"
    if key_path.exists() and cert_path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "MATRIX development")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True


class Command(BaseCommand):
    help = "Generate development FPX key pairs into var/keys/ (kept if present)."

    def handle(self, *args, **options):
        directory = Path(settings.KEYS_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        made = [stem for stem, cn in (("seller", "MATRIX seller (dev)"), ("fpx_simulator", "FPX simulator (dev)"))
                if _write_pair(directory, stem, cn)]
        self.stdout.write(f"FPX keys in {directory}" + (f" (new: {', '.join(made)})" if made else ""))
