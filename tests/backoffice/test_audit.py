"""The audit trail: audit_record's fields, append-only in the database (UPDATE and DELETE refused by triggers on
SQLite and PostgreSQL), and the Administrators' audit log with filters and CSV export."""

import csv
import io
import json

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from matrix.backoffice.audit import audit_record
from matrix.backoffice.models import AuditEvent
from tests.backoffice.conftest import staff_client

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_who_what_which_when_and_where(officer):
    request = RequestFactory().get("/staff/people/5/", REMOTE_ADDR="203.0.113.9")
    request.user = officer.user
    event = audit_record(request=request, action="person.view", target=officer, details={"k": "v"})
    event.refresh_from_db()
    assert event.actor == officer.user and event.actor_label == "officer1"
    assert (event.action, event.target_type, event.target_id) == ("person.view", "backoffice.staffmember",
                                                                   str(officer.pk))
    assert event.ip_address == "203.0.113.9" and event.path == "/staff/people/5/"
    assert event.details == {"k": "v"} and event.created_at is not None


def test_a_text_target_is_split_into_type_and_id():
    event = audit_record(action="x", target="payments.payment:42")
    assert (event.target_type, event.target_id, event.actor, event.ip_address) == ("payments.payment", "42", None,
                                                                                    None)


@pytest.mark.parametrize("statement", [
    "UPDATE backoffice_auditevent SET action = 'forged' WHERE id = %s",
    "DELETE FROM backoffice_auditevent WHERE id = %s",
])
def test_the_database_refuses_to_change_or_delete_an_audit_row(statement):
    event = audit_record(action="staff.create")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    event.refresh_from_db()
    assert event.action == "staff.create"


def test_the_orm_cannot_change_or_delete_one_either():
    event = audit_record(action="staff.create")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk, action="staff.create").exists()


@pytest.mark.postgres
def test_on_postgresql_the_triggers_exist_for_update_and_delete():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'backoffice_auditevent'::regclass AND NOT tgisinternal"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {"backoffice_auditevent_no_update", "backoffice_auditevent_no_delete"}


def test_the_audit_log_filters(administrator, officer):
    audit_record(actor=officer.user, action="person.view", target="accounts.user:7")
    audit_record(actor=administrator.user, action="staff.deactivate", target="backoffice.staffmember:3")
    client = staff_client(administrator)
    body = client.get(reverse("backoffice:audit_log"), {"actor": "officer1"}).content.decode()
    assert "person.view" in body and "staff.deactivate" not in body
    body = client.get(reverse("backoffice:audit_log"), {"action": "staff."}).content.decode()
    assert "staff.deactivate" in body and "person.view" not in body
    body = client.get(reverse("backoffice:audit_log"), {"target_type": "accounts.user", "target_id": "7"}).content
    assert b"person.view" in body


def test_the_audit_log_exports_csv_and_the_export_is_audited(administrator, officer):
    audit_record(actor=officer.user, action="person.view", target="accounts.user:7")
    response = staff_client(administrator).get(reverse("backoffice:audit_export"), {"actor": "officer1"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["time", "actor", "action"]
    assert [row[1:5] for row in rows[1:]] == [["officer1", "person.view", "accounts.user", "7"]]
    assert AuditEvent.objects.filter(action="audit.export", actor=administrator.user).exists()


def test_the_audit_export_writes_text_that_a_spreadsheet_would_run_as_text(administrator, officer):
    # A stranger's request path and a name typed by a person end up in audit rows, then in Excel.
    audit_record(actor=officer.user, action="person.view", target="accounts.user:7",
                 details={"name": "=HYPERLINK(\"http://evil.example\",\"x\")"})
    request = RequestFactory().get("/staff/")
    request.path = "=cmd|' /C calc'!A0"
    audit_record(request=request, actor=officer.user, action="person.search")
    response = staff_client(administrator).get(reverse("backoffice:audit_export"), {"actor": "officer1"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    paths = {row[2]: row[6] for row in rows[1:]}
    assert paths["person.search"] == "'=cmd|' /C calc'!A0"
    details = {row[2]: row[7] for row in rows[1:]}
    assert json.loads(details["person.view"]) == {"name": "=HYPERLINK(\"http://evil.example\",\"x\")"}
    assert not any(value.startswith(("=", "+", "@")) for row in rows for value in row)
