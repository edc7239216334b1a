"""The staff pages made fast (issue 13): the person search's SQL written once (still escaping, still never listing
staff), its page in a fixed number of queries whatever it finds, the staff row kept in the shared cache and
forgotten when it changes, and the layout's menu rendered once per role."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matrix.backoffice import selectors
from matrix.backoffice.models import AuditEvent, Role
from tests.backoffice.conftest import staff_client
from tests.factories import person_make, user_make

pytestmark = pytest.mark.django_db


def _search(client, query: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("backoffice:person_search"), {"q": query})
    assert response.status_code == 200
    return response.content.decode(), [entry["sql"] for entry in captured.captured_queries]


def test_the_search_page_runs_the_same_queries_for_one_row_or_many(officer):
    for index in range(30):
        user = user_make(full_name=f"HASSAN BIN OMAR {index:02d}", mobile=f"6013{index:07d}",
                         email=f"h{index}@example.com")
        person_make(user=user)
    user_make(full_name="SITI BINTI YUSOF", mobile="60140000001", email="siti.y@example.com")
    client = staff_client(officer)
    client.get(reverse("backoffice:home"))  # the session's first request records activity
    one_body, one = _search(client, "binti yusof")
    many_body, many = _search(client, "bin omar")
    assert len(re.findall(r'href="/staff/people/\d+/"', one_body)) == 1
    assert len(re.findall(r'href="/staff/people/\d+/"', many_body)) == 30
    assert len(one) == len(many) <= 8
    # Each search is audited, with its hits.
    assert [event.details["hits"] for event in AuditEvent.objects.filter(action="person.search").order_by("pk")] == [
        1, 30]


def test_the_results_link_each_person_and_show_their_code(officer):
    user = user_make(full_name="NORA BINTI AZMI", mobile="60145550000", email="nora@example.com")
    person = person_make(user=user)
    body, _sql = _search(staff_client(officer), user.id_number)
    assert f'href="{reverse("backoffice:person_detail", args=[user.pk])}"' in body
    assert person.self_employed_code in body and "nora@example.com" in body
    assert f'value="{user.id_number}"' in body  # the query stays in the box


def test_a_wildcard_in_a_name_is_a_plain_character():
    wanted = user_make(full_name="AB_CD", mobile="60140000002", email="ab1@example.com")
    user_make(full_name="ABXCD", mobile="60140000003", email="ab2@example.com")
    user_make(full_name="AB%CD", mobile="60140000004", email="ab3@example.com")
    assert [hit.pk for hit in selectors.person_search(query="b_c")] == [wanted.pk]
    assert [hit.full_name for hit in selectors.person_search(query="b%c")] == ["AB%CD"]


def test_a_hit_carries_only_what_the_table_shows():
    user = user_make(full_name="AZMAN BIN ALI", mobile="60140000005", email="azman@example.com")
    hit = selectors.person_search(query=user.id_number)[0]
    assert (hit.pk, hit.full_name, hit.mobile, hit.email, hit.self_employed_code) == (
        user.pk, "AZMAN BIN ALI", "60140000005", "azman@example.com", None)
    assert not hasattr(hit, "password")


def test_a_warm_staff_page_reads_no_staff_row(officer):
    client = staff_client(officer)
    client.get(reverse("backoffice:home"))
    _body, sql = _search(client, "nobody here")
    assert not [statement for statement in sql if "backoffice_staffmember" in statement.split(" WHERE ")[0]
                and "NOT EXISTS" not in statement]


def test_a_role_change_is_seen_on_the_next_request(officer):
    client = staff_client(officer)
    assert client.get(reverse("backoffice:reports")).status_code == 403  # an Officer: kept in the cache now
    officer.role = Role.SUPERVISOR
    officer.save(update_fields=["role"])
    assert client.get(reverse("backoffice:reports")).status_code == 200


def test_a_deactivated_member_is_out_at_once_although_their_row_was_kept(officer):
    client = staff_client(officer)
    assert client.get(reverse("backoffice:home")).status_code == 200
    officer.is_active, officer.deactivated_at = False, timezone.now()
    officer.save(update_fields=["is_active", "deactivated_at"])  # the staff row alone, the account left active
    assert client.get(reverse("backoffice:home")).status_code == 403


def test_the_menu_follows_the_role_with_the_layout_kept(officer, supervisor):
    reports_link = f'href="{reverse("backoffice:reports")}"'
    assert reports_link not in staff_client(officer).get(reverse("backoffice:home")).content.decode()
    assert reports_link in staff_client(supervisor).get(reverse("backoffice:home")).content.decode()
    assert reports_link not in staff_client(officer).get(reverse("backoffice:home")).content.decode()


def test_the_kept_header_names_the_member_signed_in(officer, supervisor):
    assert "officer1 · Officer" in staff_client(officer).get(reverse("backoffice:home")).content.decode()
    assert "supervisor1 · Supervisor" in staff_client(supervisor).get(reverse("backoffice:home")).content.decode()
