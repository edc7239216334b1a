"""registration_submit: one transaction that stores the person, the registration, its documents and the first
contribution; the database refuses a second registration of a sector, also under concurrent submits."""

from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from matrix.contributions.models import Contribution
from matrix.core.identifiers import self_employed_code_is_valid
from matrix.core.kltime import kl_datetime
from matrix.reference.models import Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State
from matrix.registrations.models import Document, Registration, SelfEmployedPerson
from matrix.registrations.services import (
    DocumentUpload,
    PersonDetails,
    RegistrationRefused,
    SectorAlreadyRegistered,
    registration_submit,
)
from tests.concurrency import race
from tests.factories import user_make
from tests.registrations.helpers import pdf_bytes, png_bytes


def details(**overrides) -> PersonDetails:
    state = State.objects.get(code="KTN")
    values = {
        "status": SelfEmployedStatus.objects.get(code="others"),
        "nationality": Nationality.objects.get(code="malaysian"),
        "race": Race.objects.get(code="malay"),
        "gender": "F",
        "address_line_1": "No. 61 1st Floor",
        "address_line_2": "Jln Tuanku Osman",
        "state": state,
        "city": City.objects.get(state=state, name="Kuala Krai"),
        "postcode": "18000",
        "house_phone": "601113388378",
        "mobile": "601113388378",
        "email": "testing@example.com",
        "branch": Branch.objects.get(name="Pejabat PERKESO Kuala Lumpur"),
    }
    values.update(overrides)
    return PersonDetails(**values)


def documents(sector: Sector) -> list[DocumentUpload]:
    return [
        DocumentUpload(kind="IDENTIFICATION_CARD", content=ContentFile(png_bytes()), original_name="download_1.png",
                       content_type="image/png", size=len(png_bytes())),
        DocumentUpload(kind=sector.required_document, content=ContentFile(pdf_bytes()), original_name="download.pdf",
                       content_type="application/pdf", size=len(pdf_bytes())),
    ]


def submit(user, sector_code="information-technology", *, now: datetime | None = None, **overrides):
    sector = Sector.objects.get(code=sector_code)
    arguments = {
        "user": user,
        "sector": sector,
        "sector_class": sector.classes.get(name_en="Mobile Application") if sector_code == "information-technology"
        else sector.classes.first(),
        "details": details(),
        "documents": documents(sector),
        "plan": Plan.objects.get(number=2),
        "months": 4,
        "acknowledged": True,
        "now": now or kl_datetime(2020, 1, 2, 10, 0, 0),
    }
    arguments.update(overrides)
    return registration_submit(**arguments)


@pytest.mark.django_db
def test_first_registration_stores_everything_and_gives_the_code(user):
    contribution = submit(user)
    person = SelfEmployedPerson.objects.get(user=user)
    assert self_employed_code_is_valid(person.self_employed_code)
    registration = contribution.registration
    assert registration.person == person and registration.acknowledged
    assert registration.sector.code == "information-technology"
    assert registration.sector_class.name_en == "Mobile Application"
    assert contribution.kind == "REGISTRATION" and contribution.state == "AWAITING_PAYMENT"
    assert contribution.plan.number == 2 and contribution.months == 4
    assert str(contribution.monthly_contribution) == "19.40" and str(contribution.amount) == "77.60"
    assert contribution.start_at is None and contribution.end_at is None
    particulars = registration.particulars
    assert particulars["new_ic"] == user.id_number and particulars["full_name"] == user.full_name
    assert particulars["city"] == {"id": person.city_id, "en": "Kuala Krai", "ms": "Kuala Krai"}
    assert particulars["race"] == {"id": person.race_id, "en": "Malay", "ms": "Melayu"}
    assert particulars["branch"]["en"] == "Pejabat PERKESO Kuala Lumpur"
    assert particulars["postcode"] == "18000"
    stored = {d.kind: d for d in Document.objects.filter(registration=registration)}
    assert set(stored) == {"IDENTIFICATION_CARD", "PROFESSIONAL_CERTIFICATE"}
    assert stored["IDENTIFICATION_CARD"].file.read() == png_bytes()
    assert stored["IDENTIFICATION_CARD"].original_name == "download_1.png"


@pytest.mark.django_db
def test_the_code_is_given_once_and_particulars_are_remembered(user):
    first = submit(user)
    code = first.registration.person.self_employed_code
    second = submit(user, "agent", details=details(address_line_1="No. 9 Jalan Baru"))
    person = SelfEmployedPerson.objects.get(user=user)
    assert person.self_employed_code == code
    assert person.address_line_1 == "No. 9 Jalan Baru"
    # Each registration keeps the particulars as they were certified.
    first.registration.refresh_from_db()
    assert first.registration.particulars["address_line_1"] == "No. 61 1st Floor"
    assert second.registration.particulars["address_line_1"] == "No. 9 Jalan Baru"


@pytest.mark.django_db
def test_gender_follows_the_mykad_number():
    assert submit(user_make(id_number="900101145671"), details=details(gender="F")).registration.person.gender == "M"
    assert submit(user_make(id_number="900101145672"), details=details(gender="M")).registration.person.gender == "F"
    passport = user_make(id_type="PASSPORT", id_number="A1234567")
    assert submit(passport, details=details(gender="F")).registration.person.gender == "F"


@pytest.mark.django_db
def test_a_second_registration_of_a_sector_is_refused_and_changes_nothing(user):
    first = submit(user)
    with pytest.raises(SectorAlreadyRegistered) as error:
        submit(user, details=details(address_line_1="Changed"))
    assert error.value.registration == first.registration
    assert Registration.objects.count() == 1 and Contribution.objects.count() == 1
    assert SelfEmployedPerson.objects.get(user=user).address_line_1 == "No. 61 1st Floor"


@pytest.mark.django_db
def test_the_database_itself_refuses_a_second_registration_of_a_sector(user):
    registration = submit(user).registration
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(person=registration.person, sector=registration.sector,
                                    sector_class=registration.sector_class, acknowledged=True,
                                    submitted_at=registration.submitted_at)


@pytest.mark.django_db
@pytest.mark.parametrize("overrides, message", [
    ({"acknowledged": False}, "Certify that all particulars given are true."),
    ({"months": 13}, "Select from 1 to 12 contribution months."),
    ({"months": 0}, "Select from 1 to 12 contribution months."),
    ({"now": kl_datetime(2019, 12, 1, 10)}, "This sector is not open for registration."),
    ({"documents": []}, "Upload the Identification Card and the document the sector needs."),
])
def test_refused_submissions_store_nothing(user, overrides, message):
    with pytest.raises(RegistrationRefused) as error:
        submit(user, **overrides)
    assert str(error.value.message) == message
    assert not SelfEmployedPerson.objects.exists() and not Registration.objects.exists()
    assert not Document.objects.exists() and not Contribution.objects.exists()


@pytest.mark.django_db
def test_class_city_and_documents_must_fit_the_sector(user):
    with pytest.raises(RegistrationRefused):
        submit(user, sector_class=Sector.objects.get(code="agent").classes.first())
    with pytest.raises(RegistrationRefused):
        submit(user, details=details(city=City.objects.filter(state__code="JHR").first()))
    sector = Sector.objects.get(code="information-technology")
    wrong = documents(sector)[:1] + [DocumentUpload(kind="OFFER_LETTER", content=ContentFile(pdf_bytes()),
                                                    original_name="x.pdf", content_type="application/pdf", size=10)]
    with pytest.raises(RegistrationRefused):
        submit(user, documents=wrong)
    assert not Registration.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_submits_give_one_registration():
    user = user_make()
    outcomes = race(lambda: submit(user))
    names = sorted(type(outcome).__name__ for outcome in outcomes)
    assert names == ["Contribution", "SectorAlreadyRegistered"], outcomes
    assert Registration.objects.count() == 1 and Contribution.objects.count() == 1
    assert SelfEmployedPerson.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_inserts_of_one_sector_are_refused_by_the_constraint_itself():
    """Without the service's account lock: two transactions insert the same (person, sector) at once."""
    first = submit(user_make())
    registration = first.registration

    def insert():
        with transaction.atomic():
            return Registration.objects.create(person=registration.person, sector=Sector.objects.get(code="art"),
                                               sector_class=registration.sector_class, acknowledged=True,
                                               submitted_at=registration.submitted_at)

    outcomes = race(insert)
    assert len([outcome for outcome in outcomes if isinstance(outcome, IntegrityError)]) == 1, outcomes
    assert Registration.objects.filter(person=registration.person, sector__code="art").count() == 1


@pytest.mark.django_db
def test_a_cancelled_registration_frees_its_sector_for_a_new_submit(user):
    from matrix.contributions.services import contribution_cancel

    first = submit(user)
    with pytest.raises(SectorAlreadyRegistered):
        submit(user)
    contribution_cancel(user=user, contribution_id=first.pk)
    again = submit(user, now=kl_datetime(2020, 1, 3, 10, 0, 0))
    assert again.registration_id != first.registration_id and again.state == "AWAITING_PAYMENT"
    assert Registration.objects.filter(sector__code="information-technology").count() == 2
    # The current registration is the one a third submit is told about.
    with pytest.raises(SectorAlreadyRegistered) as error:
        submit(user)
    assert error.value.registration.pk == again.registration_id
