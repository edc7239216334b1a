"""Payments tests run against throwaway FPX keys: FPX's side (signs AC/BC, verified through
settings.FPX_CERT_PATHS) and the seller's (signs AR/AE/BE with settings.FPX_PRIVATE_KEY_PATH)."""

import pytest

from tests.payments.fpxkit import SELLER_EX_ID, SELLER_ID, key_pair_make


@pytest.fixture(scope="session")
def fpx_keys(tmp_path_factory):
    """(fpx, seller) key pairs, made once per test session."""
    directory = tmp_path_factory.mktemp("fpx-keys")
    return key_pair_make(directory, "fpx"), key_pair_make(directory, "seller")


@pytest.fixture(autouse=True)
def _fpx_settings(settings, fpx_keys):
    fpx, seller = fpx_keys
    settings.FPX_CERT_PATHS = [str(fpx.cert_path)]
    settings.FPX_PRIVATE_KEY_PATH = str(seller.key_path)
    settings.FPX_SELLER_EX_ID = SELLER_EX_ID
    settings.FPX_SELLER_ID = SELLER_ID
    settings.FPX_SELLER_BANK_CODE = "01"
    settings.FPX_VERSION = "7.0"


@pytest.fixture
def fpx_key(fpx_keys):
    return fpx_keys[0].key


@pytest.fixture
def seller_keys(fpx_keys):
    return fpx_keys[1]
