"""Where FPX settings are read: seller identity, keys, certificates and host URLs. A deployment switches
between the bundled simulator, PayNet UAT and production by these settings alone (config/settings/fpx.py)."""

import functools
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from matrix.payments.fpx import checksum
from matrix.payments.fpx.exceptions import GatewayError


class FpxConfigurationError(GatewayError):
    """The seller key or FPX's certificates cannot be read. Production refuses to start in that case
    (config.django.production); elsewhere the Pay pages show FPX as unavailable and the log says what to do."""


def _unusable(setting: str, path: str, exc: Exception) -> FpxConfigurationError:
    hint = ("run `python manage.py fpx_keys` to make the development keys"
            if getattr(settings, "FPX_SIMULATOR_ENABLED", False) else f"set {setting} to a readable PEM file")
    return FpxConfigurationError(f"{setting} ({path}) cannot be used ({exc.__class__.__name__}): {hint}.")


@dataclass(frozen=True)
class Seller:
    """The merchant as FPX knows it."""

    ex_id: str
    id: str
    bank_code: str = "01"
    version: str = "7.0"


def seller() -> Seller:
    return Seller(
        ex_id=settings.FPX_SELLER_EX_ID,
        id=settings.FPX_SELLER_ID,
        bank_code=settings.FPX_SELLER_BANK_CODE,
        version=settings.FPX_VERSION,
    )


def _mtime(path: str) -> int:
    try:
        return Path(path).stat().st_mtime_ns
    except OSError:
        return 0


@functools.lru_cache(maxsize=8)
def _private_key_cached(path: str, mtime: int) -> rsa.RSAPrivateKey:
    return checksum.load_private_key(path)


@functools.lru_cache(maxsize=8)
def _certificates_cached(paths: tuple[str, ...], mtimes: tuple[int, ...]) -> tuple[x509.Certificate, ...]:
    return tuple(checksum.load_certificates(paths))


def private_key() -> rsa.RSAPrivateKey:
    """The seller's signing key (settings.FPX_PRIVATE_KEY_PATH), read again when the file changes."""
    path = str(settings.FPX_PRIVATE_KEY_PATH)
    try:
        return _private_key_cached(path, _mtime(path))
    except (OSError, ValueError, checksum.ChecksumError) as exc:
        raise _unusable("FPX_PRIVATE_KEY_PATH", path, exc) from exc


def certificates() -> tuple[x509.Certificate, ...]:
    """FPX's certificates (settings.FPX_CERT_PATHS): the current one and, during a rollover, the old one."""
    paths = tuple(str(path) for path in settings.FPX_CERT_PATHS)
    try:
        return _certificates_cached(paths, tuple(_mtime(path) for path in paths))
    except (OSError, ValueError) as exc:
        raise _unusable("FPX_CERT_PATHS", ", ".join(paths), exc) from exc


def _base_url() -> str:
    return str(settings.PORTAL_BASE_URL).rstrip("/")


def ar_url() -> str:
    """Where the browser posts the AR. Relative (this server's simulator) unless configured."""
    return getattr(settings, "FPX_AR_URL", "") or "/fpx-simulator/ar/"


def banklist_url() -> str:
    return getattr(settings, "FPX_BANKLIST_URL", "") or f"{_base_url()}/fpx-simulator/banklist/"


def enquiry_url() -> str:
    return getattr(settings, "FPX_ENQUIRY_URL", "") or f"{_base_url()}/fpx-simulator/enquiry/"
