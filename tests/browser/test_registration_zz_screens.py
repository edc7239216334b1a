import pytest
from tests.browser.conftest import page_sign_in
from tests.factories import user_make
from tests.registrations.helpers import reference_data_ensure
from matrix.registrations.demo import demo_history_load

pytestmark = pytest.mark.django_db(transaction=True)


def test_screens(page):
    reference_data_ensure()
    user = user_make()
    demo_history_load(user=user)
    page_sign_in(page, user)
    for name, url in [("home", "/self-employed/"), ("dash", "/self-employed/dashboard/"), ("form", "/self-employed/register/agent/"),
                      ("history", "/self-employed/contributions/"), ("renew", "/self-employed/contributions/renew/")]:
        page.goto(page.base_url + url)
        page.screenshot(path=f"/tmp/screen_{name}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base_url + "/self-employed/contributions/")
    page.screenshot(path="/tmp/screen_history_wide.png", full_page=True)
    from matrix.contributions.models import Contribution
    c = Contribution.objects.filter(registration__sector__code="information-technology", kind="RENEWAL").first()
    page.goto(page.base_url + f"/self-employed/contributions/{c.pk}/")
    page.screenshot(path="/tmp/screen_detail_wide.png", full_page=True)
    page.goto(page.base_url + "/self-employed/register/agent/")
    page.screenshot(path="/tmp/screen_form_wide.png", full_page=True)
