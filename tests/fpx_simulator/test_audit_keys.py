"""Audit (issue 5): `manage.py fpx_keys` makes the seller's and the simulator's key pairs into a git-ignored
folder, keeps them when they exist, and the pairs sign and verify FPX messages."""

import stat

from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from matrix.payments.fpx import checksum

NAMES = ["fpx_simulator_cert.pem", "fpx_simulator_private.pem", "seller_cert.pem", "seller_private.pem"]


def test_fpx_keys_generates_both_pairs_once(settings, tmp_path):
    settings.KEYS_DIR = tmp_path / "keys"
    call_command("fpx_keys", stdout=open("/dev/null", "w"))
    assert sorted(path.name for path in settings.KEYS_DIR.iterdir()) == NAMES
    for stem in ("seller", "fpx_simulator"):
        key_path = settings.KEYS_DIR / f"{stem}_private.pem"
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        fields = {"fpx_msgToken": "01", "fpx_msgType": "BE", "fpx_sellerExId": "EX00000001", "fpx_version": "7.0"}
        fields["fpx_checkSum"] = checksum.message_sign(fields, "BE", checksum.load_private_key(key_path))
        certificates = checksum.load_certificates([settings.KEYS_DIR / f"{stem}_cert.pem"])
        assert checksum.message_verify(fields, "BE", certificates, now=timezone.now())
    before = {name: (settings.KEYS_DIR / name).read_bytes() for name in NAMES}
    call_command("fpx_keys", stdout=open("/dev/null", "w"))
    assert {name: (settings.KEYS_DIR / name).read_bytes() for name in NAMES} == before


def test_the_default_keys_folder_is_ignored_by_git():
    keys_dir = django_settings.KEYS_DIR.relative_to(django_settings.BASE_DIR)
    assert keys_dir.parts[0] == "var"
    ignored = (django_settings.BASE_DIR / ".gitignore").read_text().split()
    assert "var/" in ignored or "/var/" in ignored
