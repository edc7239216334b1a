import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.reference.models import City, Sector, State
from matrix.registrations import drafts
from matrix.registrations.models import Document, Registration, SelfEmployedPerson
from tests.factories import contribution_make, person_make, registration_make, user_make
from tests.registrations.helpers import form_data, form_files, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = "/self-employed/register/information-technology/check/"


def test_home_shows_the_three_panels(user_client):
    response = user_client.get(reverse("registrations:home"))
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("REGISTRATION & CONTRIBUTION", "CONTRIBUTION HISTORY", "CONTRIBUTION RENEWAL",
                 "Registration Status", "Payment Records", "Print Receipts & more"):
        assert text in body
    assert reverse("registrations:register") in body
    assert reverse("contributions:history") in body
    assert reverse("contributions:renew") in body


def test_pages_need_a_signed_in_person(client):
    response = client.get(reverse("registrations:home"))
    assert response.status_code == 302
    assert "/self-employed/" not in response["Location"].split("?")[0]


def test_select_sector_offers_open_sectors_and_marks_registered_ones(user, user_client):
    person = person_make(user=user)
    registration_make(person=person, sector="agent")
    response = user_client.get(reverse("registrations:register"))
    body = response.content.decode()
    assert "SOCSO's Self-Employment Injury Scheme coverage has been extended to other self-employed sectors " \
           "from 01 January 2020." in body
    assert "Additional contributions to the new sector must be made" in body
    assert "Please Select" in body
    assert '<option value="agent" disabled>AGENT (REGISTERED)</option>' in body
    assert '<option value="art">ART</option>' in body
    select = body.split('name="sector"')[1].split("</select>")[0]
    assert select.count("<option") == 1 + Sector.objects.filter(is_active=True).count()


def test_select_sector_refuses_a_registered_sector_forced_by_a_crafted_post(user, user_client):
    registration_make(person=person_make(user=user), sector="agent")
    response = user_client.post(reverse("registrations:register"), {"sector": "agent"})
    assert response.status_code == 200
    assert "Same sector cannot be registered again" in response.content.decode()
    response = user_client.post(reverse("registrations:register"), {"sector": "no-such-sector"})
    assert "Select a sector." in response.content.decode()
    response = user_client.post(reverse("registrations:register"), {"sector": "art"})
    assert response["Location"] == "/self-employed/register/art/"
    # The form of a registered sector sends the person back too.
    response = user_client.get("/self-employed/register/agent/")
    assert response["Location"] == reverse("registrations:register")


def test_sector_not_open_today_cannot_be_registered(user_client, time_machine):
    time_machine.move_to("2019-12-01 10:00:00+08:00")
    response = user_client.get(reverse("registrations:register"))
    body = response.content.decode()
    assert "PASSENGER TRANSPORTATION" in body and "ACCOMMODATION" not in body
    assert user_client.get("/self-employed/register/accommodation/").status_code == 404


def test_form_shows_the_four_parts_and_fills_in_what_the_account_knows(user, user_client):
    response = user_client.get(FORM_URL)
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("1. SELF-EMPLOYED INFORMATION", "2. SECTOR INFORMATION", "3. CONTRIBUTION PAYMENT",
                 "4. ACKNOWLEDGMENT", "New IC", "Status Self-Employed Person", "Preferred PERKESO Branch For Services",
                 "Identification Card", "Professional Certificate", "Other Document",
                 "RM 157.20 ANNUALLY", "Insured Monthly Earnings RM 1,050 per month", "RM 592.80 ANNUALLY",
                 "Insured Monthly Earnings RM 3,950 per month",
                 "Contribution plan is always locked for 1 year and no change of plan allowed within this period.",
                 "Contribution Months", "I hereby certify to the best of my knowledge and belief that all particulars "
                 "given are true.", "Editing and changes are NOT allowed after submission.",
                 "Maximum 5 MB; PDF, JPEG or PNG", "data-amount-due", 'data-monthly-sen="1310"'):
        assert text in body, text
    assert f'value="{user.id_number}"' in body and f'value="{user.full_name}"' in body
    assert f'value="{user.email}"' in body
    # Gender comes from the MyKad number (last digit odd: male) and cannot be changed.
    assert 'name="gender"' in body and "disabled" in body.split('name="gender"')[1].split(">")[0]


def test_form_remembers_the_particulars_entered_for_an_earlier_sector(user, user_client):
    person = person_make(user=user)
    registration_make(person=person, sector="agent")
    body = user_client.get(FORM_URL).content.decode()
    assert 'value="No. 61 1st Floor"' in body
    assert f'<option value="{person.branch_id}" selected>' in body


def _post_form(client, data=None, files=None):
    payload = dict(data or form_data())
    payload.update(files if files is not None else form_files())
    return client.post(FORM_URL, payload)


def test_register_check_and_submit_hands_the_contribution_to_payment(user, user_client):
    gender = "M" if int(user.id_number[-1]) % 2 else "F"  # from the MyKad's last digit
    response = _post_form(user_client)
    assert response.status_code == 302 and response["Location"] == CHECK_URL
    body = user_client.get(CHECK_URL).content.decode()
    assert {"M": "Male", "F": "Female"}[gender] in body
    for text in ("Check your answers", "INFORMATION TECHNOLOGY", "Kuala Krai", "601113388378", "mykad front.png",
                 "certificate.pdf", "ssm_certificate1.jpg", "RM 232.80 ANNUALLY", "4 Month(s)", "RM 77.60",
                 "Submit & Pay"):
        assert text in body, text
    assert Registration.objects.count() == 0

    response = user_client.post(CHECK_URL)
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/contribution/{contribution.pk}/pay/"
    assert contribution.kind == Contribution.Kind.REGISTRATION
    assert contribution.state == Contribution.State.AWAITING_PAYMENT
    assert str(contribution.amount) == "77.60" and str(contribution.monthly_contribution) == "19.40"
    registration = contribution.registration
    assert registration.particulars["city"]["en"] == "Kuala Krai"
    assert registration.particulars["gender"]["id"] == gender
    assert registration.particulars["new_ic"] == user.id_number
    person = SelfEmployedPerson.objects.get(user=user)
    assert person.self_employed_code and person.mobile == "601113388378"
    kinds = dict(Document.objects.values_list("kind", "original_name"))
    assert kinds == {"IDENTIFICATION_CARD": "mykad front.png", "PROFESSIONAL_CERTIFICATE": "certificate.pdf",
                     "OTHER": "ssm_certificate1.jpg"}
    assert drafts.SESSION_KEY not in user_client.session

    # Submit & Pay again (double click, back button): no second registration, back to the same payment.
    response = user_client.post(CHECK_URL)
    assert response["Location"] == f"/payments/contribution/{contribution.pk}/pay/"
    assert Registration.objects.count() == 1 and Contribution.objects.count() == 1


def test_errors_are_listed_and_valid_uploads_are_kept_for_the_next_post(user_client):
    data = form_data(postcode="123", email="not-an-email")
    data.pop("acknowledged")
    response = _post_form(user_client, data=data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Enter a post code of 5 digits, like 50000." in body
    assert "Certify that all particulars given are true." in body
    assert "Uploaded: mykad front.png" in body
    # Correct the answers without choosing the files again.
    response = user_client.post(FORM_URL, form_data())
    assert response["Location"] == CHECK_URL
    assert "certificate.pdf" in user_client.get(CHECK_URL).content.decode()


def test_city_must_belong_to_the_state(user_client):
    other_city = City.objects.filter(state=State.objects.get(code="JHR")).first()
    response = _post_form(user_client, data=form_data(city=other_city.pk))
    assert "Select a city in Kelantan." in response.content.decode()


def test_required_documents_must_be_uploaded(user_client):
    response = _post_form(user_client, files={"other_document": upload("x.png", png_bytes())})
    body = response.content.decode()
    assert "Select the Identification Card file." in body
    assert "Select the Professional Certificate file." in body


def test_gender_is_chosen_for_ids_without_a_gender_digit(user_client, db):
    passport_user = user_make(id_type="PASSPORT", id_number="A12345678")
    user_client.force_login(passport_user)
    response = _post_form(user_client, data=form_data(gender="F"))
    assert response["Location"] == CHECK_URL
    user_client.post(CHECK_URL)
    assert SelfEmployedPerson.objects.get(user=passport_user).gender == "F"


@pytest.mark.parametrize("id_number, gender", [("900101145671", "M"), ("900101145678", "F")])
def test_mykad_gender_comes_from_the_last_digit_and_cannot_be_forced(client, id_number, gender):
    client.force_login(user_make(id_number=id_number))
    _post_form(client, data=form_data(gender="F" if gender == "M" else "M"))
    client.post(CHECK_URL)
    assert SelfEmployedPerson.objects.get().gender == gender


def test_check_page_without_a_draft_goes_back_to_the_form(user_client):
    assert user_client.get(CHECK_URL)["Location"] == FORM_URL
    assert user_client.post(CHECK_URL)["Location"] == FORM_URL


def test_amount_due_is_shown_after_a_post(user_client):
    data = form_data(plan=form_data()["plan"], months=3)
    data.pop("acknowledged")
    body = _post_form(user_client, data=data).content.decode()
    assert "RM 58.20" in body  # 19.40 x 3


def test_second_sector_keeps_the_self_employed_code(user, user_client):
    person = person_make(user=user)
    contribution_make(registration=registration_make(person=person, sector="agent"))
    _post_form(user_client)
    user_client.post(CHECK_URL)
    person.refresh_from_db()
    assert SelfEmployedPerson.objects.count() == 1
    assert Registration.objects.filter(person=person).count() == 2
    assert person.self_employed_code is not None


def test_pdf_document_is_downloadable(user, user_client):
    files = form_files(other=False)
    files["sector_document"] = upload("Sijil Profesional (2019).pdf", pdf_bytes(), "application/pdf")
    _post_form(user_client, files=files)
    user_client.post(CHECK_URL)
    document = Document.objects.get(kind="PROFESSIONAL_CERTIFICATE")
    response = user_client.get(reverse("registrations:document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Sijil Profesional (2019).pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == pdf_bytes()


@pytest.mark.parametrize("postcode", ["1", "123456", "1234a", "١٢٣٤٥"])
def test_a_wrong_post_code_is_reported_once(user_client, postcode):
    body = _post_form(user_client, data=form_data(postcode=postcode)).content.decode()
    assert body.count("Enter a post code of 5 digits, like 50000.") == 2  # error summary + inline, once each
    assert body.count('id="id_postcode-error"') == 1
    assert 'maxlength="5"' in body


def test_a_cancelled_registration_lets_the_person_open_the_form_of_that_sector_again(user, user_client):
    from matrix.contributions.services import contribution_cancel

    registration = registration_make(person=person_make(user=user), sector="information-technology")
    first = contribution_make(registration=registration)
    assert user_client.get(FORM_URL).status_code == 302  # registered: sent back to SELECT SECTOR
    contribution_cancel(user=user, contribution_id=first.pk)
    response = user_client.get(FORM_URL)
    assert response.status_code == 200
    assert "registrations/register_form.html" in [template.name for template in response.templates]
    assert Registration.objects.get(pk=registration.pk).cancelled_at is not None


def test_a_submit_that_loses_the_race_to_another_tab_goes_on_to_the_stored_registration(user, client, monkeypatch):
    # Two tabs of one session press Submit & Pay together. Both pass the "already registered?" look-up before
    # either commits; the first stores the registration and clears the draft with its files; the second then finds
    # the files gone. It must go on to the payment of the registration stored, not back to an empty form.
    from django.test import Client

    from matrix.registrations import selectors, views

    first, second = Client(), Client()
    first.force_login(user)
    second.force_login(user)
    _post_form(first)
    session = second.session
    session[drafts.SESSION_KEY] = first.session[drafts.SESSION_KEY]
    session.save()
    assert first.post(CHECK_URL).status_code == 302
    contribution = Contribution.objects.get()
    looked_up, look_up = [], selectors.registration_in_sector

    def before_the_other_commits(**kwargs):  # the second tab's first look-up ran before the first tab committed
        looked_up.append(kwargs)
        return None if len(looked_up) == 1 else look_up(**kwargs)

    monkeypatch.setattr(views.selectors, "registration_in_sector", before_the_other_commits)
    response = second.post(CHECK_URL)
    assert response.status_code == 302 and response["Location"] == f"/payments/contribution/{contribution.pk}/pay/"
    assert Registration.objects.count() == 1 and len(looked_up) == 2
