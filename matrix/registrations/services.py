"""Writes on registrations. Read `registration_submit` top to bottom to follow a registration."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matrix.contributions.models import Contribution
from matrix.contributions.services import contribution_create
from matrix.core.coverage import MAX_MONTHS, MIN_MONTHS
from matrix.core.errors import Refused
from matrix.core.identifiers import self_employed_code_next
from matrix.core.kltime import kl
from matrix.reference.models import (
    Branch,
    City,
    Nationality,
    Plan,
    Race,
    Sector,
    SectorClass,
    SelfEmployedStatus,
    State,
)
from matrix.registrations.models import Document, Registration, SelfEmployedPerson
from matrix.registrations.particulars import gender_from_id_number, particulars_snapshot

GENDER_FROM_IC_TYPES = {"MYKAD", "MYPR"}


class RegistrationRefused(Refused):
    """The submission breaks a rule; nothing was stored. `message` is for the person."""


class SectorAlreadyRegistered(RegistrationRefused):
    """The person already holds a registration in this sector (the database refused a second one)."""

    def __init__(self, registration: Registration | None):
        super().__init__(_("You have already registered this sector. Same sector cannot be registered again."))
        self.registration = registration


@dataclass(frozen=True)
class PersonDetails:
    """SELF-EMPLOYED INFORMATION as entered (New IC and Full Name come from the account)."""

    status: SelfEmployedStatus
    nationality: Nationality
    race: Race
    gender: str
    address_line_1: str
    address_line_2: str
    state: State
    city: City
    postcode: str
    house_phone: str
    mobile: str
    email: str
    branch: Branch


@dataclass(frozen=True)
class DocumentUpload:
    """An upload already checked by `uploads.upload_check`; `content` is an open Django File."""

    kind: str
    content: File
    original_name: str
    content_type: str
    size: int


def sector_required_kinds(sector: Sector) -> set[str]:
    return {Document.Kind.IDENTIFICATION_CARD, sector.required_document}


def gender_for(*, user, entered: str) -> str:
    """MyKad and MyPR numbers tell the gender (last digit odd: male); other IDs keep what was entered."""
    if user.id_type in GENDER_FROM_IC_TYPES:
        derived = gender_from_id_number(user.id_number)
        if derived:
            return derived
    return entered


def _check(*, sector, sector_class, details, documents, plan, months, acknowledged, today) -> None:
    if not acknowledged:
        raise RegistrationRefused(_("Certify that all particulars given are true."))
    if not sector.is_open_on(today):
        raise RegistrationRefused(_("This sector is not open for registration."))
    if sector_class.sector_id != sector.pk or not sector_class.is_active:
        raise RegistrationRefused(_("Select a class of this sector."))
    if not Plan.objects.in_force(today).filter(pk=plan.pk).exists():
        raise RegistrationRefused(_("Select a contribution plan in force."))
    if isinstance(months, bool) or not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise RegistrationRefused(_("Select from 1 to 12 contribution months."))
    if details.city.state_id != details.state.pk:
        raise RegistrationRefused(_("Select a city in the chosen state."))
    kinds = [document.kind for document in documents]
    allowed = sector_required_kinds(sector) | {Document.Kind.OTHER}
    if len(kinds) != len(set(kinds)) or not set(kinds) <= allowed:
        raise RegistrationRefused(_("Upload one file for each document asked for."))
    if not sector_required_kinds(sector) <= set(kinds):
        raise RegistrationRefused(_("Upload the Identification Card and the document the sector needs."))


def _person_save(*, user, details: PersonDetails) -> SelfEmployedPerson:
    """Remember the particulars for the next sector; give the Self-Employed Code at the first registration."""
    person = SelfEmployedPerson.objects.filter(user=user).first()
    created = person is None
    if created:
        person = SelfEmployedPerson(user=user)
    fields = ["status", "nationality", "race", "gender", "address_line_1", "address_line_2", "state", "city",
              "postcode", "house_phone", "mobile", "email", "branch"]
    for name in fields:
        setattr(person, name, getattr(details, name))
    person.gender = gender_for(user=user, entered=details.gender)
    if not person.self_employed_code:
        person.self_employed_code = self_employed_code_next()
        fields.append("self_employed_code")
    if created:
        person.save()
    else:
        person.save(update_fields=[*fields, "updated_at"])
    return person


@transaction.atomic
def registration_submit(
    *,
    user,
    sector: Sector,
    sector_class: SectorClass,
    details: PersonDetails,
    documents: Sequence[DocumentUpload],
    plan: Plan,
    months: int,
    acknowledged: bool,
    now: datetime | None = None,
) -> Contribution:
    """Register `user` in `sector` and create the first contribution, awaiting payment.

    One transaction: the person's particulars (remembered for the next sector), the Self-Employed Code at the
    first registration, the registration with a snapshot of the particulars as certified, the documents and
    the first contribution. A second registration of the sector is refused by the database constraint
    `registration_one_per_sector`, also when two submits race: SectorAlreadyRegistered carries the existing one.
    A cancelled registration does not count: its sector can be registered again.
    """
    now = now or timezone.now()
    _check(sector=sector, sector_class=sector_class, details=details, documents=documents, plan=plan,
           months=months, acknowledged=acknowledged, today=kl(now).date())

    # One person's submits run one after the other (the person row may not exist yet: lock the account).
    get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
    person = _person_save(user=user, details=details)

    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                person=person,
                sector=sector,
                sector_class=sector_class,
                particulars=particulars_snapshot(user=user, person=person),
                acknowledged=True,
                submitted_at=now,
            )
    except IntegrityError as exc:
        existing = Registration.objects.current().filter(person=person, sector=sector).first()
        raise SectorAlreadyRegistered(existing) from exc

    for upload in documents:
        document = Document(
            registration=registration,
            kind=upload.kind,
            original_name=upload.original_name,
            content_type=upload.content_type,
            size=upload.size,
        )
        document.file.save("upload", upload.content, save=False)
        document.save()

    return contribution_create(registration=registration, kind=Contribution.Kind.REGISTRATION, plan=plan,
                               months=months, now=now)
