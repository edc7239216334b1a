import pytest
from playwright.sync_api import expect

from tests.browser.flows import language_choose

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_switches_to_bahasa_malaysia(page):
    page.goto(page.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="PERKESO Self-Employment Social Security Scheme",
                            exact=True)).to_be_visible()

    language_choose(page, "ms")

    expect(page.locator("html")).to_have_attribute("lang", "ms")
    expect(page.get_by_role("heading", name="Skim Keselamatan Sosial Pekerjaan Sendiri PERKESO",
                            exact=True)).to_be_visible()
    expect(page.get_by_text("Terma & Syarat")).to_be_visible()


def test_home_page_fits_a_360_pixel_phone(page):
    page.goto(page.base_url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
