import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """Requests activate the reader's language in the test thread; start each test in English again."""
    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def reference_data(transactional_db):
    """For transactional tests: the reference data, put back if a flush removed it."""
    from tests.registrations.helpers import reference_data_ensure

    reference_data_ensure()
