"""The 404 ownership matrix: every API endpoint whose path carries an id, asked by another person with the
owner's ids, answers 404 in the one error shape and changes nothing; the owner gets the object. The list of
endpoints is read from the OpenAPI document, so a new endpoint with an id cannot be left out."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from matrix.api.api import api as api_v1
from matrix.contributions.models import Contribution
from matrix.payments.models import Payment
from matrix.registrations.models import Document
from tests.api.helpers import paid_registration
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make
from tests.registrations.helpers import pdf_bytes

pytestmark = pytest.mark.django_db

# Owner's answer to each endpoint (the matrix fails on an endpoint it does not know).
BODIES = {
    "/api/v1/registrations/{registration_id}/renewals": {"plan_id": 0, "months": 3},
    "/api/v1/contributions/{contribution_id}/payments": {"bank_code": "ABB0233", "terms_accepted": True},
}


@pytest.fixture
def owned(user):
    """The owner's registration (first period paid, with a receipt and a document) and an unpaid renewal."""
    registration, first = paid_registration(user)
    payment = payment_make(contribution=first, at=first.paid_at)
    renewal = contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL, months=3,
                                created_at=timezone.now() - timedelta(minutes=1))
    document = Document(registration=registration, kind=Document.Kind.IDENTIFICATION_CARD, original_name="ic.pdf",
                        content_type="application/pdf", size=len(pdf_bytes()))
    document.file.save("upload", ContentFile(pdf_bytes()), save=False)
    document.save()
    BODIES["/api/v1/registrations/{registration_id}/renewals"]["plan_id"] = first.plan_id
    return {"registration_id": registration.pk, "contribution_id": renewal.pk, "payment_id": payment.pk,
            "document_id": document.pk}


def endpoints_with_an_id() -> list[tuple[str, str]]:
    schema = api_v1.get_openapi_schema()
    return sorted(
        (method.upper(), path) for path, operations in schema["paths"].items() if "{" in path
        for method in operations
    )


def test_the_matrix_covers_every_endpoint_with_an_id():
    found = endpoints_with_an_id()
    assert len(found) >= 8
    assert {param for _method, path in found for param in re.findall(r"{(\w+)}", path)} == {
        "registration_id", "contribution_id", "payment_id", "document_id"}


def snapshot():
    return (
        list(Contribution.objects.order_by("pk").values_list("pk", "state")),
        list(Payment.objects.order_by("pk").values_list("pk", "status")),
    )


@pytest.mark.parametrize(("method", "path"), endpoints_with_an_id(), ids=lambda value: value)
def test_another_persons_id_answers_404_and_changes_nothing(method, path, owned, user_api, other_api, other_user):
    from tests.api.helpers import paid_registration as _own_registration

    _own_registration(other_user, sector="agriculture")  # the other person is a registered person too
    url = path.removeprefix("/api/v1").format(**owned)
    before = snapshot()
    if method == "GET":
        response = other_api.get(url)
    else:
        response = other_api.post(url, BODIES.get(path, {}), key="ownership")
    assert response.status_code == 404, (url, response.content)
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": {}}
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), [e for e in endpoints_with_an_id() if e[0] == "GET"],
                         ids=lambda value: value)
def test_the_owner_gets_each_object(method, path, owned, user_api):
    response = user_api.get(path.removeprefix("/api/v1").format(**owned))
    # The renewal quote of a registration whose renewal awaits payment is refused (409), not hidden.
    assert response.status_code in (200, 409), response.content
