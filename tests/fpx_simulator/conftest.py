"""Fixtures for the FPX simulator's tests."""

import pytest
from django.utils import translation

from matrix.fpx_simulator import services
from tests.fpx_simulator.helpers import fpx_banks, stub_merchant  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _simulator_defaults(settings):
    """Each test starts from the settings' behaviour and leaves no delivery running behind it."""
    settings.FPX_SIMULATOR_DIRECT_AC_MODE = "normal"
    settings.FPX_SIMULATOR_DIRECT_AC_DELAY_SECONDS = 1.0
    services.simulator_reset()
    yield
    assert services.direct_ac_deliveries_join(timeout=20), "a direct AC delivery was still running"
    services.simulator_reset()
    translation.activate(settings.LANGUAGE_CODE)  # a request in Malay leaves it active in this thread


@pytest.fixture(autouse=True)
def _banks(request):
    if request.node.get_closest_marker("django_db"):
        request.getfixturevalue("fpx_banks")
