"""Issue 9 item 8: FPX configuration. Production refuses to start without a usable seller key or certificate
(tests/core/test_production_settings.py); in the embedded default missing development keys never give a 500 on
Pay: the page says FPX is unavailable and the log says to run `manage.py fpx_keys`."""

import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from matrix.payments.fpx import config
from tests.payments.helpers import contribution_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def missing_keys(settings, tmp_path):
    settings.FPX_SIMULATOR_ENABLED = True
    settings.FPX_PRIVATE_KEY_PATH = str(tmp_path / "keys" / "seller_private.pem")
    settings.FPX_CERT_PATHS = [str(tmp_path / "keys" / "fpx_simulator_cert.pem")]


def test_missing_development_keys_point_at_fpx_keys(missing_keys):
    with pytest.raises(config.FpxConfigurationError, match=r"FPX_PRIVATE_KEY_PATH .*manage\.py fpx_keys"):
        config.private_key()
    with pytest.raises(config.FpxConfigurationError, match=r"FPX_CERT_PATHS .*manage\.py fpx_keys"):
        config.certificates()


def test_pay_with_missing_keys_is_unavailable_not_an_error(missing_keys, user_client, user, caplog):
    contribution = contribution_for(user)
    user_client.post(reverse("payments:pay_now", args=[contribution.pk]), {"method": "B2C", "acknowledge": "on"})
    with caplog.at_level(logging.WARNING):
        response = user_client.get(reverse("payments:select_bank", args=[contribution.pk]))
    assert response.status_code == 503
    assert "manage.py fpx_keys" in caplog.text


def test_without_the_simulator_the_message_names_the_setting(settings, tmp_path):
    settings.FPX_SIMULATOR_ENABLED = False
    settings.FPX_PRIVATE_KEY_PATH = str(tmp_path / "nope.pem")
    with pytest.raises(config.FpxConfigurationError, match="set FPX_PRIVATE_KEY_PATH to a readable PEM file"):
        config.private_key()


def test_the_system_check_warns_about_missing_development_keys(missing_keys, capsys):
    call_command("check")
    assert "manage.py fpx_keys" in capsys.readouterr().err
