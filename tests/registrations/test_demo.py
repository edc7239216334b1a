import pytest
from django.core.management import call_command
from django.urls import reverse

from matrix.accounts.models import User
from matrix.contributions.models import Contribution
from matrix.contributions.selectors import contribution_history, history_rows
from matrix.core.kltime import kl_format
from matrix.payments.models import Payment
from matrix.registrations.demo import demo_history_load
from matrix.registrations.models import Document, Registration
from tests.contributions.test_seed_list import SEED_ROWS

pytestmark = pytest.mark.django_db


def test_the_demo_person_sees_the_seed_list_and_every_status(client):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    user = User.objects.get(id_number="900101145678")
    rows = history_rows(user=user, contributions=contribution_history(user=user))
    seed_part = sorted(
        [kl_format(c.start_at), kl_format(c.end_at), c.registration.sector.name_en,
         f"RM {c.plan.annual_contribution:,.2f}", f"{c.months} Month(s)", f"RM {c.amount:,.2f}"]
        for c in (r.contribution for r in rows) if c.start_at and c.start_at.year in (2019, 2020)
    )
    assert seed_part == sorted(row[:6] for row in SEED_ROWS)
    assert {r.status_label for r in rows} == {"Submitted", "Active", "Renewed", "Expired", "Rejected"}
    assert {r.payment.get_status_display() for r in rows if r.payment} == {"Paid", "Failed", "Pending"}
    paid = Payment.objects.filter(status="PAID")
    assert paid.count() == Contribution.objects.filter(state="PAID").count() == 13
    assert all(len(p.fpx_txn_id) == 16 and p.receipt_no and p.bank.name == "Affin Bank" for p in paid)
    assert Document.objects.filter(registration__sector__code="information-technology").count() == 2

    client.force_login(user)
    assert client.get(reverse("contributions:history")).status_code == 200
    assert client.get(reverse("registrations:dashboard")).status_code == 200
    for contribution in Contribution.objects.all():
        assert client.get(reverse("contributions:detail", args=[contribution.pk])).status_code == 200

    # Loading again changes nothing.
    counts = (Registration.objects.count(), Contribution.objects.count(), Payment.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))
    demo_history_load(user=user)
    assert (Registration.objects.count(), Contribution.objects.count(), Payment.objects.count()) == counts
