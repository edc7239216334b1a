import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_home_page_switches_to_bahasa_malaysia(page):
    page.goto(page.base_url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="PERKESO Self-Employment Social Security Scheme")).to_be_visible()

    page.get_by_label("Languages").select_option("ms")
    page.get_by_role("button", name="Change language").click()

    expect(page.locator("html")).to_have_attribute("lang", "ms")
    expect(page.get_by_role("heading", name="Skim Keselamatan Sosial Pekerjaan Sendiri PERKESO")).to_be_visible()
    expect(page.get_by_text("Terma & Syarat")).to_be_visible()


def test_home_page_fits_a_360_pixel_phone(page):
    page.goto(page.base_url + "/")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 360
