"""Reference data in the back office: a new plan rate end-dates the old one and leaves past contributions alone;
every change leaves an audit row with the values before and after."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from matrix.backoffice.models import AuditEvent
from matrix.core.kltime import kl_now
from matrix.reference.models import Bank, Branch, Plan, Sector, SectorClass
from matrix.reports.refdata import plan_rate_schedule
from tests.backoffice.conftest import staff_client
from tests.factories import contribution_make

pytestmark = pytest.mark.django_db


def _tomorrow() -> date:
    return kl_now().date() + timedelta(days=1)


def test_changing_a_plan_rate_end_dates_the_old_row_audits_and_keeps_past_contributions(administrator):
    contribution = contribution_make(plan_number=2, months=4)
    old = Plan.objects.get(number=2)
    start = _tomorrow() + timedelta(days=30)
    response = staff_client(administrator).post(reverse("backoffice:plan_rate_new"), {
        "number": "2", "monthly_contribution": "21.00", "insured_monthly_earnings": "1650.00",
        "effective_from": start.isoformat()})
    assert response.status_code == 302
    old.refresh_from_db()
    new = Plan.objects.get(number=2, effective_from=start)
    assert old.effective_to == start - timedelta(days=1)
    assert (new.monthly_contribution, new.insured_monthly_earnings, new.effective_to) == (
        Decimal("21.00"), Decimal("1650.00"), None)
    assert list(Plan.objects.in_force(start).filter(number=2)) == [new]
    assert list(Plan.objects.in_force(start - timedelta(days=1)).filter(number=2)) == [old]
    contribution.refresh_from_db()
    assert (contribution.plan, contribution.monthly_contribution, contribution.amount) == (
        old, Decimal("19.40"), Decimal("77.60"))
    event = AuditEvent.objects.get(action="reference.plan_rate")
    assert event.actor == administrator.user and event.target_id == str(new.pk)
    assert event.details["ended"]["before"]["effective_to"] is None
    assert event.details["ended"]["after"]["effective_to"] == str(start - timedelta(days=1))
    assert event.details["created"]["monthly_contribution"] == "21.00"


@pytest.mark.parametrize("days", [0, -1])
def test_a_rate_must_start_in_the_future(administrator, days):
    with pytest.raises(ValidationError):
        plan_rate_schedule(actor=administrator.user, number=1, monthly_contribution=Decimal("14.00"),
                           insured_monthly_earnings=Decimal("1050"),
                           effective_from=kl_now().date() + timedelta(days=days))
    assert Plan.objects.filter(number=1).count() == 1 and not AuditEvent.objects.filter(
        action="reference.plan_rate").exists()


def test_a_rate_before_a_scheduled_one_is_refused_on_the_page(administrator):
    later = _tomorrow() + timedelta(days=60)
    plan_rate_schedule(actor=administrator.user, number=3, monthly_contribution=Decimal("40.00"),
                       insured_monthly_earnings=Decimal("2950"), effective_from=later)
    response = staff_client(administrator).post(reverse("backoffice:plan_rate_new"), {
        "number": "3", "monthly_contribution": "41.00", "insured_monthly_earnings": "2950.00",
        "effective_from": _tomorrow().isoformat()})
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert "already has a rate from" in response.content.decode()
    assert Plan.objects.filter(number=3).count() == 2


def test_editing_a_sector_audits_before_and_after(administrator):
    sector = Sector.objects.get(code="information-technology")
    client = staff_client(administrator)
    response = client.post(reverse("backoffice:sector_edit", args=[sector.pk]), {
        "name_en": sector.name_en, "name_ms": "Teknologi Maklumat dan Digital",
        "effective_from": "2020-01-01", "required_document": sector.required_document, "is_active": "on"})
    assert response.status_code == 302
    sector.refresh_from_db()
    assert sector.name_ms == "Teknologi Maklumat dan Digital"
    event = AuditEvent.objects.get(action="reference.sector_update")
    assert event.details["changes"] == {"name_ms": {"before": "Teknologi Maklumat",
                                                    "after": "Teknologi Maklumat dan Digital"}}


def test_adding_a_class_and_editing_a_bank_and_a_branch(administrator):
    client = staff_client(administrator)
    sector = Sector.objects.get(code="information-technology")
    client.post(reverse("backoffice:sector_class_new", args=[sector.pk]),
                {"name_en": "Cloud Hosting", "name_ms": "Pengehosan Awan", "is_active": "on"})
    created = SectorClass.objects.get(sector=sector, name_en="Cloud Hosting")
    assert AuditEvent.objects.get(action="reference.sectorclass_create").target_id == str(created.pk)
    duplicate = client.post(reverse("backoffice:sector_class_new", args=[sector.pk]),
                            {"name_en": "Cloud Hosting", "name_ms": "Lain", "is_active": "on"})
    assert duplicate.status_code == 400 and SectorClass.objects.filter(name_en="Cloud Hosting").count() == 1
    bank = Bank.objects.get(code="MB2U0227")
    client.post(reverse("backoffice:bank_edit", args=[bank.pk]), {"name": bank.name, "effective_from": "2017-06-01"})
    bank.refresh_from_db()
    assert not bank.is_active
    assert AuditEvent.objects.get(action="reference.bank_update").details["changes"] == {
        "is_active": {"before": True, "after": False}}
    branch = Branch.objects.first()
    client.post(reverse("backoffice:branch_edit", args=[branch.pk]),
                {"name": branch.name + " (Baharu)", "state": branch.state_id, "effective_from": "2017-06-01",
                 "is_active": "on"})
    assert AuditEvent.objects.get(action="reference.branch_update").details["changes"]["name"]["before"] == (
        branch.name)


def test_the_reference_page_lists_everything_in_malay_too(administrator):
    client = staff_client(administrator)
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    body = client.get(reverse("backoffice:reference_home")).content.decode()
    assert "Data rujukan" in body and "Kadar pelan baharu" in body and "Teknologi Maklumat" in body
    assert "Maybank2U" in body


def test_adding_a_bank_and_a_branch_is_audited(administrator):
    client = staff_client(administrator)
    response = client.post(reverse("backoffice:bank_new"), {"code": "TEST0021", "name": "Test Bank",
                                                             "effective_from": "2026-01-01", "is_active": "on"})
    assert response.status_code == 302
    bank = Bank.objects.get(code="TEST0021")
    assert AuditEvent.objects.get(action="reference.bank_create").details["changes"]["code"] == {
        "before": None, "after": "TEST0021"}
    assert client.post(reverse("backoffice:bank_new"), {"code": "TEST0021", "name": "Again"}).status_code == 400
    state = Branch.objects.first().state
    client.post(reverse("backoffice:branch_new"), {"name": "Pejabat PERKESO Ujian", "state": state.pk,
                                                   "effective_from": "2026-01-01", "is_active": "on"})
    branch = Branch.objects.get(name="Pejabat PERKESO Ujian")
    assert AuditEvent.objects.get(action="reference.branch_create").target_id == str(branch.pk)
    assert bank.is_active


def test_banks_and_branches_carry_a_malay_name_and_dates_in_force(administrator):
    """Reference data with Malay names and effective dates: a bank's and a branch's are edited and audited; an end
    before the start is refused (by the form and by the database) and changes nothing."""
    from django.db import IntegrityError, transaction

    client = staff_client(administrator)
    bank = Bank.objects.get(code="MB2U0227")
    response = client.post(reverse("backoffice:bank_edit", args=[bank.pk]), {
        "name": bank.name, "name_ms": "Maybank2U (Malaysia)", "effective_from": "2017-06-01",
        "effective_to": "2027-12-31", "is_active": "on"})
    assert response.status_code == 302
    bank.refresh_from_db()
    assert (bank.name_ms, str(bank.effective_to)) == ("Maybank2U (Malaysia)", "2027-12-31")
    changes = AuditEvent.objects.get(action="reference.bank_update").details["changes"]
    assert changes["name_ms"] == {"before": "", "after": "Maybank2U (Malaysia)"}
    branch = Branch.objects.first()
    refused = client.post(reverse("backoffice:branch_edit", args=[branch.pk]), {
        "name": branch.name, "name_ms": "Cawangan", "state": branch.state_id, "effective_from": "2026-01-01",
        "effective_to": "2025-01-01", "is_active": "on"})
    assert refused.status_code == 400
    branch.refresh_from_db()
    assert branch.name_ms == "" and branch.effective_to is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Branch.objects.filter(pk=branch.pk).update(effective_from="2026-01-01", effective_to="2025-01-01")
