"""Reconciliation of a settlement file that holds every kind of result, and of files that are malformed."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from matrix.backoffice.models import AuditEvent
from matrix.core.kltime import kl_datetime
from matrix.payments.models import Payment
from matrix.reports.models import ReconciliationLine, ReconciliationRun
from matrix.reports.reconciliation import SettlementFileError, reconciliation_run, settlement_file_parse
from tests.backoffice.conftest import staff_client
from tests.reports.helpers import line_for, payment_make, settlement_csv

pytestmark = pytest.mark.django_db
DAY = date(2026, 11, 30)
Kind = ReconciliationLine.Kind


@pytest.fixture
def day_payments():
    on_day = kl_datetime(2026, 11, 30, 10, 0, 5)
    return {
        "matched": payment_make(amount="77.60", paid_at=on_day),
        "mismatch": payment_make(amount="39.30", paid_at=kl_datetime(2026, 11, 30, 23, 59, 59)),
        "ours_only": payment_make(amount="157.20", paid_at=kl_datetime(2026, 11, 30, 0, 0, 0)),
        "failed": payment_make(amount="19.40", status=Payment.Status.FAILED),
        # Not ours to reconcile for this day: paid the day after (KL), and a counter payment without FPX.
        "next_day": payment_make(amount="13.10", paid_at=kl_datetime(2026, 12, 1, 0, 0, 0)),
        "counter": payment_make(amount="49.40", paid_at=on_day, fpx=False),
    }


def _file(p):
    return settlement_csv(
        line_for(p["matched"]),
        line_for(p["mismatch"], amount="39.00"),
        line_for(p["failed"]),
        ("2611301000777777", "SO-UNKNOWN", "EX-UNKNOWN", "52.40", "20261130120000", "BCBB0235", "00"),
    )


def test_each_kind_of_result_is_found_with_totals_and_kept(supervisor, day_payments):
    p = day_payments
    run = reconciliation_run(request=None, actor=supervisor.user, settlement_date=DAY, file_name="fpx.csv",
                             content=_file(p))
    lines = {(line.kind, line.seller_ex_order_no): line for line in run.lines.all()}
    assert set(lines) == {
        (Kind.MATCHED, p["matched"].seller_ex_order_no),
        (Kind.AMOUNT_MISMATCH, p["mismatch"].seller_ex_order_no),
        (Kind.OURS_ONLY, p["ours_only"].seller_ex_order_no),
        (Kind.BANK_ONLY, p["failed"].seller_ex_order_no),
        (Kind.BANK_ONLY, "EX-UNKNOWN"),
    }
    mismatch = lines[(Kind.AMOUNT_MISMATCH, p["mismatch"].seller_ex_order_no)]
    assert (mismatch.bank_amount, mismatch.our_amount, mismatch.payment) == (
        Decimal("39.00"), Decimal("39.30"), p["mismatch"])
    assert lines[(Kind.BANK_ONLY, p["failed"].seller_ex_order_no)].payment == p["failed"]
    assert lines[(Kind.BANK_ONLY, "EX-UNKNOWN")].payment is None
    assert lines[(Kind.OURS_ONLY, p["ours_only"].seller_ex_order_no)].bank_amount is None
    run.refresh_from_db()
    assert (run.matched_count, run.mismatch_count, run.ours_only_count, run.bank_only_count) == (1, 1, 1, 2)
    assert run.bank_total == Decimal("77.60") + Decimal("39.00") + Decimal("19.40") + Decimal("52.40")
    assert run.ours_total == Decimal("77.60") + Decimal("39.30") + Decimal("157.20")
    assert not run.is_clean
    event = AuditEvent.objects.get(action="reconciliation.run")
    assert event.target_id == str(run.pk) and event.actor == supervisor.user
    assert event.details["counts"] == {"MATCHED": 1, "AMOUNT_MISMATCH": 1, "OURS_ONLY": 1, "BANK_ONLY": 2}


def test_a_clean_file_matches_everything(supervisor):
    payment = payment_make(amount="77.60", paid_at=kl_datetime(2026, 11, 30, 9, 0, 0))
    run = reconciliation_run(request=None, actor=supervisor.user, settlement_date=DAY, file_name="fpx.csv",
                             content=settlement_csv(line_for(payment)))
    assert run.is_clean and run.matched_count == 1 and run.difference == 0


@pytest.mark.parametrize(("content", "problem"), [
    (b"fpx_txn_id,amount\n1,2\n", "missing: seller_order_no, seller_ex_order_no, txn_time, bank_code, status"),
    (settlement_csv(("2611301000000001", "SO1", "EX1", "12.345", "2026-11-30 10:00:00", "MB2U0227", "00")),
     "Line 2: amount must be"),
    (settlement_csv(("2611301000000001", "SO1", "EX1", "-1", "2026-11-30 10:00:00", "MB2U0227", "00")),
     "Line 2: amount must be"),
    (settlement_csv(("2611301000000001", "SO1", "EX1", "10.00", "30/11/2026", "MB2U0227", "00")),
     "Line 2: txn_time must"),
    (settlement_csv(("2611301000000001", "SO1", "EX1", "10.00", "2026-11-30 10:00:00", "MB2U0227", "51")),
     "Line 2: status must be 00"),
    (settlement_csv(("26113010", "SO1", "EX1", "10.00", "2026-11-30 10:00:00", "MB2U0227", "00")),
     "Line 2: fpx_txn_id must be 16 digits"),
    (settlement_csv(("2611301000000001", "SO1", "EX1", "10.00", "2026-11-30 10:00:00", "MB2U0227", "00"),
                    ("2611301000000002", "SO2", "EX1", "10.00", "2026-11-30 10:00:00", "MB2U0227", "00")),
     "Line 3: seller_ex_order_no EX1 appears twice"),
    (settlement_csv(), "The file holds no transactions."),
    ("fpx_txn_id\n\xe9".encode("latin-1"), "not a UTF-8 CSV file"),
])
def test_a_malformed_file_is_refused_with_a_clear_message(content, problem):
    with pytest.raises(SettlementFileError) as refused:
        settlement_file_parse(content=content)
    assert any(problem in text for text in refused.value.problems), refused.value.problems


def test_the_upload_page_reconciles_and_links_each_payment(supervisor, day_payments):
    client = staff_client(supervisor)
    response = client.post(reverse("backoffice:reconciliation_list"), {
        "settlement_date": "2026-11-30", "settlement_file": _upload(_file(day_payments))})
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("backoffice:reconciliation_detail",
                                                                           args=[run.pk])
    html = client.get(response["Location"]).content.decode()
    person_url = reverse("backoffice:person_detail",
                         args=[day_payments["mismatch"].contribution.registration.person.user_id])
    assert person_url in html and 'data-kind="AMOUNT_MISMATCH"' in html and 'data-kind="OURS_ONLY"' in html
    assert 'data-count="BANK_ONLY">2<' in html
    assert AuditEvent.objects.filter(action="reconciliation.view", target_id=str(run.pk)).exists()
    listing = client.get(reverse("backoffice:reconciliation_list")).content.decode()
    assert reverse("backoffice:reconciliation_detail", args=[run.pk]) in listing


def test_a_malformed_upload_changes_nothing_and_says_why(supervisor, day_payments):
    client = staff_client(supervisor)
    content = settlement_csv(line_for(day_payments["matched"], status="51"))
    response = client.post(reverse("backoffice:reconciliation_list"), {
        "settlement_date": "2026-11-30", "settlement_file": _upload(content)})
    assert response.status_code == 400
    assert "The settlement file was not reconciled" in response.content.decode()
    assert "Line 2: status must be 00" in response.content.decode()
    assert not ReconciliationRun.objects.exists() and not ReconciliationLine.objects.exists()
    assert AuditEvent.objects.filter(action="reconciliation.refused").count() == 1


def test_a_future_settlement_date_is_refused(supervisor):
    response = staff_client(supervisor).post(reverse("backoffice:reconciliation_list"), {
        "settlement_date": "2999-01-01", "settlement_file": _upload(settlement_csv())})
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("settlement.csv", content, content_type="text/csv")
