"""Error pages (400, 403, 404, 500, CSRF failure) in the portal's layout and the person's language, with a way back;
400 and 500 render without the request's context processors or the database; no URL list with DEBUG off."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import path, reverse
from django.utils import translation

from config.urls import urlpatterns as portal_urls
from matrix.pages import views


def _raise_403(request):
    raise PermissionDenied


def _raise_400(request):
    raise SuspiciousOperation("bad")


def _raise_500(request):
    raise RuntimeError("boom")


urlpatterns = [path("t/403/", _raise_403), path("t/400/", _raise_400), path("t/500/", _raise_500), *portal_urls]
handler400 = "matrix.pages.views.bad_request"
handler500 = "matrix.pages.views.server_error"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.pages.test_error_pages")]


def _malay(client):
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})


@pytest.fixture
def quiet_client():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("url", "status", "english", "malay"), [
    ("/no-such-page/", 404, "Page not found", "Laman tidak dijumpai"),
    ("/t/403/", 403, "You cannot open this page", "Anda tidak boleh membuka halaman ini"),
    ("/t/400/", 400, "Sorry, we could not understand that request", "Maaf, kami tidak dapat memahami permintaan itu"),
    ("/t/500/", 500, "Sorry, there is a problem with the service", "Maaf, terdapat masalah dengan perkhidmatan"),
])
def test_each_error_page_in_the_layout_and_both_languages(quiet_client, url, status, english, malay):
    response = quiet_client.get(url)
    body = response.content.decode()
    assert response.status_code == status
    assert f'data-error-page="{status}"' in body and english in body
    assert 'href="/"' in body and reverse("pages:help") in body  # a way back
    assert "1-300-22-8000" in body and '<html lang="en">' in body
    _malay(quiet_client)
    body = quiet_client.get(url).content.decode()
    assert malay in body and '<html lang="ms">' in body


def test_the_404_lists_no_url_patterns(client, settings):
    settings.DEBUG = False
    body = client.get("/self-employed/nothing-here/").content.decode()
    assert "URLconf" not in body and "payments/" not in body and "fpx-simulator" not in body


def test_the_500_page_renders_without_the_database_or_context_processors(django_db_blocker, rf):
    translation.activate("ms")
    with django_db_blocker.block():
        response = views.server_error(rf.get("/"))
    body = response.content.decode()
    assert response.status_code == 500 and "Maaf, terdapat masalah dengan perkhidmatan" in body
    assert "1-300-22-8000" in body


def test_a_form_without_its_csrf_token_gets_the_portal_page_with_a_way_back():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("pages:coverage_check"), {"id_number": "900101141234"})
    body = response.content.decode()
    assert response.status_code == 403 and 'data-error-page="403-csrf"' in body
    assert "This form has expired" in body and 'href="/coverage-check/" data-retry' in body
    assert response["Cache-Control"] == "no-store"


@override_settings(LANGUAGE_CODE="en")
def test_the_csrf_page_in_malay():
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "ms"
    response = client.post(reverse("pages:coverage_check"), {}, HTTP_ACCEPT_LANGUAGE="ms")
    assert "Borang ini telah tamat tempoh" in response.content.decode()


@pytest.mark.parametrize(("referer", "back"), [
    ("http://testserver/benefits/?plan=2", "/benefits/?plan=2"),  # the page the form was on
    ("https://evil.example/phish/", "/i18n/setlang/"),  # another site's: the address posted to
    ("", "/i18n/setlang/"),
])
def test_the_csrf_page_leads_back_to_the_page_the_form_was_on(referer, back):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "ms"}, HTTP_REFERER=referer)
    assert response.status_code == 403 and f'href="{back}" data-retry' in response.content.decode()


def test_favicon_ico_leads_to_the_portals_icon(client):
    # Browsers ask for /favicon.ico whatever the page declares; it must not be a 404 on every visit.
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
    assert client.get(response["Location"]).status_code == 200
