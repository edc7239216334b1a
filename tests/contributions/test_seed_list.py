"""The seed's whole contribution list (Contribution List, step 03), reproduced from the same inputs: the
registrations are paid at the seed's approval times (the first rows' starts), renewals are paid while the cover
runs (so they start the day after), and the clock is frozen inside 2020 so that Active and Renewed show as in
the seed."""

import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import contribution_history, history_rows
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_format, kl_parse
from matrix.registrations.models import Registration
from tests.contributions.helpers import payment_make, table_rows
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db

# The seed's table, as printed (Start, Expiry, Sector, Plan, Months, Amount, Contribution Status, Payment Status).
SEED_TABLE = """
19-12-2019 16:26:12	18-01-2020 23:59:59	ONLINE BUSINESS	RM 157.20	1 Month(s)	RM 13.10	Active	Paid
19-01-2020 00:00:00	18-04-2020 23:59:59	ONLINE BUSINESS	RM 157.20	3 Month(s)	RM 39.30	Renewed	Paid
23-12-2019 16:15:39	22-01-2020 23:59:59	INFORMATION TECHNOLOGY	RM 232.80	1 Month(s)	RM 19.40	Active	Paid
19-12-2019 17:12:19	18-05-2020 23:59:59	SUPPORT SERVICES	RM 157.20	5 Month(s)	RM 65.50	Active	Paid
19-05-2020 00:00:00	18-08-2020 23:59:59	SUPPORT SERVICES	RM 157.20	3 Month(s)	RM 39.30	Renewed	Paid
23-12-2019 16:29:15	22-06-2020 23:59:59	ACCOMMODATION	RM 232.80	6 Month(s)	RM 116.40	Active	Paid
23-12-2019 16:35:47	22-05-2020 23:59:59	AGENT	RM 232.80	5 Month(s)	RM 97.00	Active	Paid
23-12-2019 16:53:25	22-04-2020 23:59:59	PROFESSIONAL SERVICES	RM 232.80	4 Month(s)	RM 77.60	Active	Paid
23-04-2020 00:00:00	22-12-2020 23:59:59	PROFESSIONAL SERVICES	RM 232.80	8 Month(s)	RM 155.20	Renewed	Paid
27-12-2019 16:25:42	26-04-2020 23:59:59	ART	RM 157.20	4 Month(s)	RM 52.40	Active	Paid
23-01-2020 00:00:00	22-05-2020 23:59:59	INFORMATION TECHNOLOGY	RM 232.80	4 Month(s)	RM 77.60	Renewed	Paid
"""
SEED_ROWS = [line.split("\t") for line in SEED_TABLE.strip().splitlines()]

# Inputs: (sector, kind, plan, months, paid at). Registration rows are paid at the seed's start times; renewal
# payment times are not printed in the seed except IT's (27-12-2019 16:35:08, on View Contribution): the others
# are any time while the sector's cover ran.
INPUTS = [
    ("online-business", "REGISTRATION", 1, 1, "19-12-2019 16:26:12"),
    ("online-business", "RENEWAL", 1, 3, "27-12-2019 14:02:10"),
    ("information-technology", "REGISTRATION", 2, 1, "23-12-2019 16:15:39"),
    ("support-services", "REGISTRATION", 1, 5, "19-12-2019 17:12:19"),
    ("support-services", "RENEWAL", 1, 3, "20-12-2019 09:41:03"),
    ("accommodation", "REGISTRATION", 2, 6, "23-12-2019 16:29:15"),
    ("agent", "REGISTRATION", 2, 5, "23-12-2019 16:35:47"),
    ("professional-services", "REGISTRATION", 2, 4, "23-12-2019 16:53:25"),
    ("professional-services", "RENEWAL", 2, 8, "24-12-2019 10:12:44"),
    ("art", "REGISTRATION", 1, 4, "27-12-2019 16:25:42"),
    ("information-technology", "RENEWAL", 2, 4, "27-12-2019 16:35:08"),
]
CLOCK_IN_2020 = "2020-01-02 12:00:00+08:00"


def seed_history_build(user):
    person = person_make(user=user)
    registrations: dict[str, Registration] = {}
    for sector, kind, plan, months, paid_text in INPUTS:
        paid_at = kl_parse(paid_text)
        if sector not in registrations:
            registrations[sector] = registration_make(person=person, sector=sector, submitted_at=paid_at)
        contribution = contribution_make(registration=registrations[sector], plan_number=plan, months=months,
                                         kind=kind, created_at=paid_at)
        contribution_mark_paid(contribution=contribution, paid_at=paid_at)
        payment_make(contribution=contribution, at=paid_at)
    return person


def _as_seed_row(row) -> list[str]:
    c = row.contribution
    return [kl_format(c.start_at), kl_format(c.end_at), c.registration.sector.name_en,
            f"RM {c.plan.annual_contribution:,.2f}", f"{c.months} Month(s)", f"RM {c.amount:,.2f}",
            row.status_label, row.payment.get_status_display()]


def test_the_selector_reproduces_all_eleven_rows(user, time_machine):
    seed_history_build(user)
    time_machine.move_to(CLOCK_IN_2020)
    rows = history_rows(user=user, contributions=contribution_history(user=user))
    assert len(rows) == 11
    assert sorted(_as_seed_row(row) for row in rows) == sorted(SEED_ROWS)


def test_the_history_page_shows_the_seed_table(user, user_client, time_machine):
    seed_history_build(user)
    time_machine.move_to(CLOCK_IN_2020)
    response = user_client.get(reverse("contributions:history"))
    rows = table_rows(response.content.decode())
    assert rows[0][:8] == ["Start Date Time", "Expiry Date Time", "Sector", "Contribution Plan",
                           "Number of Contribution Months", "Contribution Amount", "Contribution Status",
                           "Payment Status"]
    body_rows = rows[1:]
    assert sorted(row[:8] for row in body_rows) == sorted(SEED_ROWS)
    # Newest first: the IT renewal (submitted last) heads the list.
    assert body_rows[0][:3] == ["23-01-2020 00:00:00", "22-05-2020 23:59:59", "INFORMATION TECHNOLOGY"]
    # Every paid row offers its receipt.
    assert all("View" in row[8] and "Download Receipt" in row[8] for row in body_rows)


def test_renew_now_is_offered_on_each_sectors_newest_paid_period(user, user_client, time_machine):
    seed_history_build(user)
    time_machine.move_to(CLOCK_IN_2020)
    rows = table_rows(user_client.get(reverse("contributions:history")).content.decode())[1:]
    offered = sorted((row[2], row[0]) for row in rows if "Renew Now" in row[8])
    assert offered == [
        ("ACCOMMODATION", "23-12-2019 16:29:15"),
        ("AGENT", "23-12-2019 16:35:47"),
        ("ART", "27-12-2019 16:25:42"),
        ("INFORMATION TECHNOLOGY", "23-01-2020 00:00:00"),
        ("ONLINE BUSINESS", "19-01-2020 00:00:00"),
        ("PROFESSIONAL SERVICES", "23-04-2020 00:00:00"),
        ("SUPPORT SERVICES", "19-05-2020 00:00:00"),
    ]


def test_the_seed_rows_expire_as_each_sectors_cover_ends(user, time_machine):
    seed_history_build(user)
    time_machine.move_to("2020-05-20 09:00:00+08:00")
    rows = {(_as_seed_row(r)[2], _as_seed_row(r)[0]): r.status_label
            for r in history_rows(user=user, contributions=contribution_history(user=user))}
    assert rows[("ONLINE BUSINESS", "19-12-2019 16:26:12")] == "Expired"
    # Ended 18-05-2020, but the sector's renewal runs on: a past period of a covered sector is not Expired.
    assert rows[("SUPPORT SERVICES", "19-12-2019 17:12:19")] == "Active"
    assert rows[("SUPPORT SERVICES", "19-05-2020 00:00:00")] == "Renewed"
    assert rows[("ACCOMMODATION", "23-12-2019 16:29:15")] == "Active"
    assert rows[("PROFESSIONAL SERVICES", "23-04-2020 00:00:00")] == "Renewed"
    assert Contribution.objects.filter(state="PAID").count() == 11
