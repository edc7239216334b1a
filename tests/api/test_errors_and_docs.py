"""One error shape in the person's language, rate limits with Retry-After, the OpenAPI document and the docs page
served from this server under the Content Security Policy."""

import re

import pytest
import time_machine
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_openapi_document_lists_every_area(api):
    response = api.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/auth/signup", "/api/v1/auth/login/password", "/api/v1/reference/sectors",
                 "/api/v1/registrations", "/api/v1/contributions/{contribution_id}/payments",
                 "/api/v1/payments/{payment_id}/receipt", "/api/v1/me/messages", "/api/v1/covers"):
        assert path in paths


def test_docs_page_uses_only_this_servers_assets_under_the_csp(api):
    response = api.get("/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources), sources
    assert "<script>" not in html  # no inline script: script-src 'self' would block it
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    for src in sources:
        assert api.client.get(src).status_code == 200, src


def test_an_unknown_token_gets_401_in_the_one_shape(api):
    api.token = "mxa_not-a-token"
    response = api.get("/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthorized" and body["fields"] == {} and body["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_validation_errors_name_each_field_in_malay(api):
    api.language = "ms"
    response = api.post("/auth/login/ic", {})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["fields"] == {"id_number": ["Medan ini diperlukan."]}
    assert body["message"] == "Terdapat masalah dengan data yang dihantar. Sila semak setiap medan."


def test_form_rules_answer_in_english_and_malay(api):
    english = api.post("/auth/login/ic", {"id_number": "IC#1234!"})
    api.language = "ms"
    malay = api.post("/auth/login/ic", {"id_number": "IC#1234!"})
    assert english.status_code == malay.status_code == 422
    assert english.json()["fields"]["id_number"] == ["Enter your IC number with letters and digits only."]
    assert malay.json()["fields"]["id_number"] != english.json()["fields"]["id_number"]


def test_login_rate_limit_answers_429_with_retry_after(api, settings):
    settings.API_LOGIN_RATE = "3/m"
    # The counter's window is fixed on the clock: stop the clock so that no window boundary falls in between.
    with time_machine.travel(timezone.now(), tick=False):
        answers = [api.post("/auth/login/ic", {"id_number": "900101145671"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_unknown_and_known_ic_get_the_same_shape_of_answer(api, user):
    known = api.post("/auth/login/ic", {"id_number": user.id_number}).json()
    unknown = api.post("/auth/login/ic", {"id_number": "900101149999"}).json()
    assert known["secret_phrase"] == user.secret_phrase
    assert set(known) == set(unknown) and unknown["secret_phrase"]
    again = api.post("/auth/login/ic", {"id_number": "900101149999"}).json()
    assert again["secret_phrase"] == unknown["secret_phrase"]  # stable: it reveals nothing by changing


def test_the_general_rate_limit_counts_per_account(user_api, other_api, settings):
    settings.API_RATE_USER = "2/m"
    answers = [user_api.get("/me") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["code"] == "rate_limited" and 1 <= int(answers[-1]["Retry-After"]) <= 60
    assert other_api.get("/me").status_code == 200


@pytest.mark.parametrize("body", ["[null, null]", '"everywhere"', "{not json", "\udcff"], ids=repr)
def test_a_body_that_is_not_a_json_object_is_refused(user_api, body):
    response = user_api.client.post("/api/v1/auth/logout", body.encode("utf-8", "surrogateescape"),
                                    content_type="application/json", headers=user_api.headers())
    assert response.status_code == 422
    assert response.json()["code"] in ("invalid", "invalid_json")
    assert user_api.get("/me").status_code == 200  # not logged out


def test_the_accounts_language_preference_answers_when_no_language_is_asked(user_api):
    assert user_api.post("/me/preferences", {"language": "ms"}).json() == {"language": "ms"}
    unknown = user_api.get("/contributions/999999")
    assert unknown.status_code == 404 and unknown.json()["message"] == "Tidak dijumpai."
    assert unknown["Content-Language"] == "ms"
    user_api.language = "en"
    assert user_api.get("/contributions/999999").json()["message"] == "Not found."
    bad = user_api.post("/me/preferences", {"language": "fr"})
    assert bad.status_code == 422 and list(bad.json()["fields"]) == ["language"]


def test_the_pages_and_the_api_share_one_per_ip_budget_of_codes(api, client, settings):
    from tests.accounts.helpers import signup_data

    settings.ACCOUNTS_OTP_PER_IP_PER_HOUR = "1/h"
    body = {"id_type": "MYKAD", "id_number": "900101-14-5671", "full_name": "TESTING BIN TESTER",
            "email": "testing@tester.example", "mobile": "011-1338 8378", "terms_accepted": True,
            "captcha_key": "dummy", "captcha_value": "PASSED"}
    with time_machine.travel(timezone.now(), tick=False):  # one window of the counter
        page = client.post("/accounts/signup/", signup_data())
        assert page.status_code == 302  # the page sent its code
        refused = api.post("/auth/signup", body)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_a_request_without_a_client_address_is_still_counted(api):
    """A WSGI call without REMOTE_ADDR (a bare socket, a test client) must not break the limits (500)."""
    response = api.client.post("/api/v1/auth/login/ic", '{"id_number": "900101145671"}',
                               content_type="application/json", REMOTE_ADDR="")
    assert response.status_code == 200
