"""Refusals and states through the API: what the pages refuse is refused here too (by the same forms and
services), with the field named and nothing stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.payments.fpx import client as fpx_client
from matrix.payments.fpx.exceptions import GatewayError
from matrix.payments.fpx.messages import BankOption
from matrix.payments.models import Payment
from matrix.registrations.models import Registration
from tests.api.helpers import paid_registration
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make
from tests.payments.helpers import aged
from tests.registrations.helpers import form_data, form_files, upload

pytestmark = pytest.mark.django_db

BANKS = [BankOption("ABB0233", "Affin Bank", True), BankOption("HSBC0223", "HSBC Bank", False)]


def registration_post(user_api, *, files=None, **overrides):
    data = form_data(**overrides)
    data["sector"] = "information-technology"
    data["acknowledged"] = "true" if data.get("acknowledged") == "on" else data.get("acknowledged", "false")
    return user_api.post_multipart("/registrations", {**data, **(files if files is not None else form_files())})


def test_a_file_that_is_not_a_pdf_jpeg_or_png_is_refused_by_its_field(user_api):
    files = form_files()
    files["identification_card"] = upload("mykad.png", b"MZ\x90\x00 not an image", "image/png")
    response = registration_post(user_api, files=files)
    assert response.status_code == 422
    assert response.json()["fields"]["identification_card"] == ["The selected file must be a PDF, JPEG or PNG."]
    assert not Registration.objects.exists()


def test_the_certification_and_the_city_of_the_state_are_required(user_api):
    response = registration_post(user_api, acknowledged="false", city=999999)
    assert response.status_code == 422
    assert set(response.json()["fields"]) >= {"acknowledged", "city"}


def test_a_sector_registered_twice_is_refused_with_409(user, user_api):
    paid_registration(user)
    response = registration_post(user_api)
    assert response.status_code == 409 and response.json()["code"] == "sector_registered"
    assert Registration.objects.count() == 1


def test_a_lapsed_cover_is_quoted_from_the_payment(user, user_api):
    registration, first = paid_registration(user, months=1)
    Contribution.objects.filter(pk=first.pk).update(start_at=first.start_at - timedelta(days=90),
                                                    end_at=first.end_at - timedelta(days=90))
    quote = user_api.get(f"/registrations/{registration.pk}/renewal-quote", months=2).json()
    assert quote["lapsed"] is True and quote["amount"] == "38.80"


def test_an_unpaid_renewal_can_be_cancelled_once(user, user_api):
    registration, _first = paid_registration(user)
    renewal = contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=2)
    cancelled = user_api.post(f"/contributions/{renewal.pk}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    again = user_api.post(f"/contributions/{renewal.pk}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "cancel_refused"


def test_a_failed_payment_says_why(user, user_api):
    _registration, first = paid_registration(user)
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=2)
    failed = payment_make(contribution=renewal, at=timezone.now(), status=Payment.Status.FAILED)
    body = user_api.get(f"/payments/{failed.pk}").json()
    assert body["status"] == "FAILED" and body["debit_auth_code"] == "51" and "Insufficient" in body["reason"]
    assert body["receipt_no"] is None
    assert user_api.get(f"/payments/{failed.pk}/receipt").status_code == 404  # no receipt for a failed payment


def test_a_payment_needs_the_terms_and_an_online_bank(user, user_api, monkeypatch):
    monkeypatch.setattr(fpx_client, "banklist_fetch", lambda **kw: BANKS)
    _registration, first = paid_registration(user)
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=2)
    path = f"/contributions/{renewal.pk}/payments"
    no_terms = user_api.post(path, {"bank_code": "ABB0233", "terms_accepted": False})
    assert no_terms.status_code == 422 and list(no_terms.json()["fields"]) == ["terms_accepted"]
    offline = user_api.post(path, {"bank_code": "HSBC0223", "terms_accepted": True})
    assert offline.status_code == 422 and offline.json()["fields"]["bank_code"] == ["Select a bank that is online."]
    assert not Payment.objects.filter(contribution=renewal).exists()
    paid = user_api.post(f"/contributions/{first.pk}/payments", {"bank_code": "ABB0233", "terms_accepted": True})
    assert paid.status_code == 409 and paid.json()["code"] == "not_payable"


def test_fpx_out_of_reach_answers_503_and_banks_without_availability(user, user_api, monkeypatch):
    def down(**kwargs):
        raise GatewayError("FPX host unreachable")

    monkeypatch.setattr(fpx_client, "banklist_fetch", down)
    _registration, first = paid_registration(user)
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=2)
    response = user_api.post(f"/contributions/{renewal.pk}/payments", {"bank_code": "ABB0233", "terms_accepted": True})
    assert response.status_code == 503 and response.json()["code"] == "fpx_unavailable"
    banks = user_api.get("/reference/banks").json()
    assert banks and all(bank["available"] is None for bank in banks)


def test_the_status_of_an_old_pending_payment_asks_fpx_once_without_waiting(user, user_api, monkeypatch, settings,
                                                                          django_capture_on_commit_callbacks):
    # As PAYMENT DETAILS does: a payment pending past the re-query threshold gets an enquiry queued, at most one a
    # minute, and the answer does not wait for it.
    from matrix.payments import tasks

    queued = []
    monkeypatch.setattr(tasks.payment_requery_one, "delay", lambda payment_id: queued.append(payment_id))
    _registration, first = paid_registration(user)
    renewal = contribution_make(registration=first.registration, kind=Contribution.Kind.RENEWAL, months=2)
    pending = aged(payment_make(contribution=renewal, at=timezone.now(), status=Payment.Status.PENDING),
                   settings.FPX_REQUERY_AFTER_SECONDS + 1)
    Payment.objects.filter(pk=pending.pk).update(created_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert user_api.get(f"/payments/{pending.pk}").json()["status"] == "PENDING"
    assert queued == []  # not yet due
    aged(pending, settings.FPX_REQUERY_AFTER_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert user_api.get(f"/payments/{pending.pk}").json()["status"] == "PENDING"
        assert user_api.get(f"/payments/{pending.pk}").json()["status"] == "PENDING"
    assert queued == [pending.pk]
