"""Passwords are hashed with Argon2id at OWASP's minimum, and older (heavier) hashes still sign in and are
rehashed (matrix/accounts/hashers.py)."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password

from matrix.accounts.hashers import OwaspArgon2PasswordHasher

pytestmark = pytest.mark.django_db


def _params(encoded: str) -> str:
    return encoded.split("$")[3]  # argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash


def test_new_hashes_are_argon2id_at_owasp_minimum():
    encoded = OwaspArgon2PasswordHasher().encode("matrix-demo-2026", OwaspArgon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$")
    assert _params(encoded) == "m=19456,t=2,p=1"
    assert check_password("matrix-demo-2026", encoded)
    assert not check_password("matrix-demo-2027", encoded)


def test_a_hash_made_with_djangos_heavier_defaults_verifies_and_is_rehashed(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["matrix.accounts.hashers.OwaspArgon2PasswordHasher"]
    old = Argon2PasswordHasher().encode("matrix-demo-2026", Argon2PasswordHasher().salt())
    assert _params(old) == "m=102400,t=2,p=8"
    assert isinstance(identify_hasher(old), OwaspArgon2PasswordHasher)
    user = django_user_model.objects.create(id_number="900101145678", password=old)

    assert user.check_password("matrix-demo-2026")  # rehashes and saves on success
    user.refresh_from_db()
    assert _params(user.password) == "m=19456,t=2,p=1"
    assert user.check_password("matrix-demo-2026")


def test_the_settings_can_ask_for_more_never_for_less(settings):
    settings.PASSWORD_ARGON2_MEMORY_KIB = 65536
    settings.PASSWORD_ARGON2_TIME_COST = 1
    settings.PASSWORD_ARGON2_PARALLELISM = 2
    hasher = OwaspArgon2PasswordHasher()
    assert _params(hasher.encode("x" * 12, hasher.salt())) == "m=65536,t=2,p=2"


def test_the_production_list_puts_it_first():
    from config.django import base

    assert base.PASSWORD_HASHERS[0] == "matrix.accounts.hashers.OwaspArgon2PasswordHasher"
    assert make_password("x" * 12, hasher="argon2").startswith("argon2$argon2id$")
