"""Search contributors and a person's page: every search key finds the person, the page shows the account,
registrations, documents, contributions, payments with their FPX log and messages sent, in a fixed number of
queries; opening the page or a document is audited."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.backoffice import selectors
from matrix.backoffice.models import AuditEvent
from matrix.contributions.models import Contribution
from matrix.core.kltime import kl_datetime
from matrix.notifications.models import Message
from matrix.payments.models import FpxMessage
from matrix.registrations.models import Document
from tests.backoffice.conftest import staff_client
from tests.contributions.helpers import payment_make
from tests.factories import contribution_make, person_make, registration_make, user_make

pytestmark = pytest.mark.django_db


def _person_with_history(*, sectors=("information-technology",), name="NUR AINA BINTI ISMAIL",
                         mobile="60108877665", email="aina@example.com"):
    user = user_make(full_name=name, mobile=mobile, email=email)
    person = person_make(user=user)
    payments = []
    for sector in sectors:
        registration = registration_make(person=person, sector=sector)
        stored = default_storage.save("documents/backoffice-test", ContentFile(b"%PDF-1.4\n%test\n"))
        Document.objects.create(registration=registration, kind="IDENTIFICATION_CARD", file=stored,
                                original_name="ic.pdf", content_type="application/pdf", size=15)
        contribution = contribution_make(registration=registration, months=1)
        Contribution.objects.filter(pk=contribution.pk).update(
            state="PAID", paid_at=kl_datetime(2026, 1, 5, 10), start_at=kl_datetime(2026, 1, 5, 10),
            end_at=kl_datetime(2026, 2, 4, 23, 59, 59),
        )
        payment = payment_make(contribution=contribution, at=kl_datetime(2026, 1, 5, 10))
        FpxMessage.objects.create(payment=payment, channel="AC_DIRECT", seller_ex_order_no=payment.seller_ex_order_no,
                                  body="fpx_debitAuthCode=00", signature_valid=True, outcome="settled paid")
        payments.append(payment)
    Message.objects.create(channel="SMS", recipient=mobile, user=user, kind="receipt", status="DELIVERED",
                           sent_at=kl_datetime(2026, 1, 5, 10, 1))
    return user, person, payments


@pytest.fixture
def aina(db):
    return _person_with_history()


@pytest.mark.parametrize("key", ["ic", "ic_dashed", "code", "name", "mobile_local", "mobile", "email", "receipt"])
def test_each_search_key_finds_the_person(aina, key):
    user, person, payments = aina
    user_make(full_name="SOMEONE ELSE", mobile="60111111111", email="else@example.com")
    ic = user.id_number
    query = {
        "ic": ic, "ic_dashed": f"{ic[:6]}-{ic[6:8]}-{ic[8:]}", "code": person.self_employed_code.lower(),
        "name": "aina binti", "mobile_local": "0108877665", "mobile": "+60108877665", "email": "AINA@example.com",
        "receipt": payments[0].receipt_no,
    }[key]
    assert [found.pk for found in selectors.person_search(query=query)] == [user.pk]


def test_search_never_lists_staff(officer):
    assert selectors.person_search(query="officer1") == []
    assert selectors.person_search(query=officer.user.full_name) == []


def test_the_search_page_lists_and_audits(officer, aina):
    user, _person, _payments = aina
    response = staff_client(officer).get(reverse("backoffice:person_search"), {"q": user.id_number})
    body = response.content.decode()
    assert reverse("backoffice:person_detail", args=[user.pk]) in body
    assert AuditEvent.objects.get(action="person.search").details == {"query": user.id_number, "hits": 1}


def test_the_person_page_shows_everything_and_is_audited(officer, aina):
    user, person, payments = aina
    response = staff_client(officer).get(reverse("backoffice:person_detail", args=[user.pk]))
    body = response.content.decode()
    for text in (user.full_name, user.id_number, person.self_employed_code, "INFORMATION TECHNOLOGY", "ic.pdf",
                 payments[0].receipt_no, payments[0].seller_ex_order_no, "settled paid", "Delivered", "receipt"):
        assert text in body, text
    event = AuditEvent.objects.get(action="person.view")
    assert (event.actor, event.target_type, event.target_id) == (officer.user, "accounts.user", str(user.pk))
    assert event.ip_address == "127.0.0.1"


def test_a_staff_account_has_no_person_page(officer, administrator):
    url = reverse("backoffice:person_detail", args=[administrator.user.pk])
    assert staff_client(officer).get(url).status_code == 404


def _page_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("backoffice:person_detail", args=[user.pk])).status_code == 200
    return len(queries)


def test_the_person_page_runs_a_fixed_number_of_queries(officer):
    client = staff_client(officer)
    small, _p, _pay = _person_with_history(name="ONE SECTOR", mobile="60120000001", email="one@example.com")
    large, _p, _pay = _person_with_history(
        sectors=("information-technology", "food", "hawker", "agriculture"), name="FOUR SECTORS",
        mobile="60120000002", email="four@example.com",
    )
    client.get(reverse("backoffice:home"))  # session and staff lookups warmed the same way for both
    assert _page_queries(client, small) == _page_queries(client, large)


def test_a_document_is_shown_inline_and_audited(officer, aina):
    user, person, _payments = aina
    document = Document.objects.get(registration__person=person)
    response = staff_client(officer).get(reverse("backoffice:person_document", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    event = AuditEvent.objects.get(action="document.view")
    assert (event.target_type, event.target_id, event.details) == (
        "registrations.document", str(document.pk), {"person": user.pk})


def test_a_missing_document_is_404(officer):
    assert staff_client(officer).get(reverse("backoffice:person_document", args=[999999])).status_code == 404


@pytest.mark.parametrize("query", ["601123456789", "+60 11-2345 6789", "011-2345 6789"])
def test_a_twelve_digit_mobile_is_told_from_an_ic_by_its_601(query):
    user = user_make(full_name="TWELVE DIGITS", mobile="601123456789", email="twelve@example.com")
    assert [found.pk for found in selectors.person_search(query=query)] == [user.pk]


def test_a_common_part_of_a_name_gives_the_first_people_by_name(db):
    for index in range(selectors.SEARCH_LIMIT + 5):
        user_make(full_name=f"AHMAD BIN ALI {index:03d}", mobile=f"6012{index:07d}", email=f"a{index}@example.com")
    found = selectors.person_search(query="bin ali")
    expected = [f"AHMAD BIN ALI {index:03d}" for index in range(selectors.SEARCH_LIMIT)]
    assert [user.full_name for user in found] == expected
