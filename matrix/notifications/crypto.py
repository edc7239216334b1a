"""Message bodies at rest: Fernet (AES-128-CBC + HMAC-SHA256) with MESSAGES_ENCRYPTION_KEY, or a key derived from
SECRET_KEY. Several comma-separated keys allow a rotation: the first encrypts, every one decrypts."""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    configured = [key.strip() for key in (settings.MESSAGES_ENCRYPTION_KEY or "").split(",") if key.strip()]
    if not configured:
        digest = hashlib.sha256(b"matrix.notifications.message-body:" + settings.SECRET_KEY.encode()).digest()
        configured = [base64.urlsafe_b64encode(digest).decode("ascii")]
    return MultiFernet([Fernet(key) for key in configured])


def body_encrypt(payload: dict) -> str:
    return _fernet().encrypt(json.dumps(payload, separators=(",", ":")).encode()).decode("ascii")


def body_decrypt(token: str) -> dict:
    return json.loads(_fernet().decrypt(token.encode("ascii")))
