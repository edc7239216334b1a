import pytest
from datetime import date
from django.urls import reverse
from matrix.reference.models import Plan, Sector
from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from tests.factories import contribution_make, person_make, registration_make
from tests.registrations.helpers import form_data, form_files, upload, png_bytes, pdf_bytes

pytestmark = pytest.mark.django_db
FORM_URL = "/self-employed/register/information-technology/"

def post(client, data, files=None):
    payload = dict(data); payload.update(files if files is not None else form_files())
    return client.post(FORM_URL, payload)

def test_plan_not_in_force(user_client):
    old = Plan.objects.get(number=2)
    p = Plan.objects.create(number=9, insured_monthly_earnings=old.insured_monthly_earnings, monthly_contribution=old.monthly_contribution,
        annual_contribution=old.annual_contribution, effective_from=date(2010,1,1), effective_to=date(2011,1,1)) if False else None
    r = post(user_client, form_data(plan=99999))
    print(r.status_code, "Select a contribution plan." in r.content.decode())

@pytest.mark.parametrize("m", [0, 13, "x", "1.5", -1])
def test_months(user_client, m):
    r = post(user_client, form_data(months=m))
    assert r.status_code == 200

def test_other_sector_class(user_client):
    cls = Sector.objects.get(code="agent").classes.first()
    r = post(user_client, form_data(sector_class=cls.pk))
    assert r.status_code == 200 and "Select the class" in r.content.decode()

def test_bad_file_and_kept(user_client):
    files = form_files()
    files["identification_card"] = upload("x.png", b"MZ\x90\x00" + b"0"*100)
    r = post(user_client, form_data(postcode="1"), files)
    body = r.content.decode()
    print([l for l in body.splitlines() if "Uploaded" in l or "field-error" in l])
    r = post(user_client, form_data(), {"identification_card": upload("a.png", png_bytes(), "image/png")})
    print(r.status_code, r.get("Location"))

def test_dashboard_midnight(user, user_client, time_machine):
    person = person_make(user=user)
    c = contribution_make(registration=registration_make(person=person, sector="agent"), months=1, created_at=kl_datetime(2020,1,10))
    contribution_mark_paid(contribution=c, paid_at=kl_datetime(2020,1,10,9))  # ends 09-02-2020 23:59:59
    for t in ["2020-02-08 23:59:00+08:00", "2020-02-09 00:00:01+08:00", "2020-02-09 23:59:58+08:00", "2020-02-10 00:00:00+08:00", "2020-02-08 16:30:00+00:00"]:
        time_machine.move_to(t)
        user_client.force_login(user)
        body = user_client.get(reverse("registrations:dashboard")).content.decode()
        import re
        print(t, re.findall(r"data-days-left>([^<]*)<", body), re.findall(r'data-cover-state="(\w+)"', body))
