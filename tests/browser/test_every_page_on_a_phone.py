"""Every page a person opens, on a 360-pixel-wide phone, in English and in Bahasa Malaysia: it answers, says
its language, has one main heading, and never scrolls sideways. The person is the demo person of
`make run` (`load_demo`), whose history holds a row in every status."""

import pytest
from django.core.management import call_command

from matrix.accounts.models import User
from matrix.contributions.models import Contribution
from matrix.core.management.commands.load_demo import DEMO_ID_NUMBER
from matrix.payments.models import Payment
from tests.browser.conftest import page_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = ["/", "/help/", "/faq/", "/terms/", "/benefits/", "/accounts/login/", "/accounts/signup/",
          "/accounts/password/forgot/", "/dev/outbox/"]
SIGNED_IN = ["/accounts/mode/", "/accounts/management/", "/self-employed/", "/self-employed/dashboard/",
             "/self-employed/register/", "/self-employed/register/livestock/",
             "/self-employed/contributions/", "/self-employed/contributions/renew/"]


def check(page, url: str, lang: str) -> None:
    response = page.goto(page.base_url + url)
    assert response is not None and response.status < 400, (url, response and response.status)
    assert page.locator("html").get_attribute("lang") == lang, url
    assert page.locator("h1").count() == 1, (url, page.locator("h1").all_inner_texts())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, (url, width)


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_every_page_fits_a_phone_in_both_languages(page, lang):
    call_command("load_demo", verbosity=0)
    user = User.objects.get(id_number=DEMO_ID_NUMBER)
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": page.base_url}])
    for url in PUBLIC:
        check(page, url, lang)

    page_sign_in(page, user)
    contributions = Contribution.objects.filter(registration__person__user=user)
    awaiting = contributions.filter(state=Contribution.State.AWAITING_PAYMENT, payments__isnull=True).first()
    paid = Payment.objects.filter(contribution__registration__person__user=user, status=Payment.Status.PAID).first()
    renewable = contributions.filter(state=Contribution.State.PAID).first()
    urls = SIGNED_IN + [
        f"/self-employed/contributions/{renewable.pk}/",
        f"/self-employed/contributions/renew/{renewable.registration_id}/",
        f"/payments/{paid.pk}/",
    ]
    if awaiting is not None:
        urls.append(f"/payments/contribution/{awaiting.pk}/pay/")
    for url in urls:
        check(page, url, lang)
