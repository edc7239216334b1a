"""Fixtures for the FPX simulator's tests."""

import pytest

from matrix.fpx_simulator import services
from tests.fpx_simulator.helpers import stub_merchant  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _simulator_defaults(settings):
    """Each test starts from the settings' behaviour and leaves no delivery running behind it."""
    settings.FPX_SIMULATOR_DIRECT_AC_MODE = "normal"
    settings.FPX_SIMULATOR_DIRECT_AC_DELAY_SECONDS = 1.0
    services.simulator_reset()
    yield
    assert services.direct_ac_deliveries_join(timeout=20), "a direct AC delivery was still running"
    services.simulator_reset()
