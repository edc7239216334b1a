import pytest
from django.db import connections
from matrix.reference.models import Bank
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

@pytest.fixture(scope="session")
def browser(django_db_setup):
    from playwright.sync_api import sync_playwright
    saved = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    with sync_playwright() as playwright:
        for alias, contents in saved.items():
            if contents is not None and not hasattr(connections[alias], "_test_serialized_contents"):
                connections[alias]._test_serialized_contents = contents
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

def test_a():
    print("A", Bank.objects.count())
def test_c(page):
    print("C", Bank.objects.count())
def test_d(page):
    print("D", Bank.objects.count())
def test_e():
    print("E", Bank.objects.count())
