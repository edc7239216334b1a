"""Audit of issue 3 (accounts): behaviours the issue and DESIGN.md name that no other test pinned down."""

import html
import logging
import re

import pytest
from django.urls import reverse

from matrix.accounts.models import EmailLink, OneTimeCode, User
from tests.accounts.helpers import link_path, outbox_code, outbox_link, signup_data
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another quite long passphrase"


def test_i_am_self_employed_goes_on_to_the_self_employed_home(signed_in):
    page = html.unescape(signed_in.get(reverse("accounts:mode")).content.decode())
    home = reverse("registrations:home")
    assert f'<a href="{home}">I\'M SELF-EMPLOYED</a>' in page
    assert signed_in.get(home).status_code == 200
    # The two unavailable modes are not links.
    assert "I'M EMPLOYEE</a>" not in page and "I'M EMPLOYER</a>" not in page


def test_codes_and_link_tokens_of_every_flow_are_never_logged_nor_stored(signed_in, make_client, user, caplog):
    caplog.set_level(logging.DEBUG)
    signed_in.post("/accounts/management/mobile/", {"mobile": "0198887777", "current_password": PASSWORD})
    mobile_code = outbox_code("60198887777")
    signed_in.post("/accounts/management/mobile/verify/", {"code": mobile_code})
    signed_in.post("/accounts/management/email/", {"email": "new@example.com", "current_password": PASSWORD})
    email_token = outbox_link("new@example.com", path="/accounts/email/confirm/")
    other = make_client()
    other.get(link_path(email_token))
    other.post("/accounts/email/confirm/")
    make_client().post("/accounts/password/forgot/", {"id_number": user.id_number})
    reset_token = outbox_link("new@example.com", path="/accounts/password/reset/")
    owner = make_client()
    owner.get(link_path(reset_token))
    owner.post("/accounts/password/reset/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.mobile == "60198887777" and user.email == "new@example.com" and user.check_password(NEW_PASSWORD)

    secrets_sent = [mobile_code, *(link.rstrip("/").rsplit("/", 1)[1] for link in (email_token, reset_token))]
    logs = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    stored = " ".join(str(v) for model in (OneTimeCode, EmailLink, User) for row in model.objects.values()
                      for v in row.values())
    for secret in secrets_sent:
        assert secret not in logs and secret not in stored
    assert NEW_PASSWORD not in logs and PASSWORD not in logs


def test_error_summary_links_to_each_field_in_error(client):
    page = client.post("/accounts/signup/", signup_data(id_number="791311087654", email="nope", terms="")).content
    page = page.decode()
    summary = page[page.index("data-error-summary"):page.index("</ul>", page.index("data-error-summary"))]
    for field in ["id_number", "email", "terms"]:
        assert f'href="#id_{field}"' in summary, field
        assert f'id="id_{field}"' in page and f'id="id_{field}-error"' in page


def test_password_fields_allow_paste_and_password_managers(signed_in, client):
    pages = [signed_in.get("/accounts/management/password/").content.decode()]
    client.post("/accounts/login/", {"id_number": "790811087654"})
    pages.append(client.get("/accounts/login/password/").content.decode())
    for page in pages:
        inputs = re.findall(r'<input[^>]*type="password"[^>]*>', page)
        assert inputs
        for tag in inputs:
            assert "onpaste" not in tag and 'autocomplete="off"' not in tag, tag
    from pathlib import Path

    from django.conf import settings

    assert "paste" not in (Path(settings.BASE_DIR) / "static" / "js" / "matrix.js").read_text()


def test_logout_ends_the_session_and_the_extend_call_then_refuses(signed_in):
    assert signed_in.post("/accounts/session/extend/").status_code == 200
    signed_in.post(reverse("accounts:logout"))
    assert signed_in.post("/accounts/session/extend/").status_code == 401
    assert signed_in.get(reverse("accounts:management"))["Location"].startswith(reverse("accounts:login"))
