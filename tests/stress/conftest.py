"""The stress tests run against throwaway FPX keys (the payments tests' fixtures) and print the stress table at
the end of the session (`make stress`, or any run of tests/stress with -s or not)."""

import pytest

from tests.payments.conftest import _fpx_settings, fpx_key, fpx_keys, seller_keys  # noqa: F401 - fixtures
from tests.stress import scenarios


@pytest.fixture(autouse=True)
def _stress_settings(settings):
    # FPX's callbacks come from one address here: the refused-message limit must not hide a settlement.
    settings.FPX_CALLBACK_REFUSED_RATE = "100000/m"


def pytest_terminal_summary(terminalreporter):
    if scenarios.ROWS:
        terminalreporter.write_sep("=", "stress table (issue 15)")
        terminalreporter.write_line(scenarios.table(scenarios.ROWS))
