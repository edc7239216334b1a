"""Plain factories for tests: rows made straight through the ORM, independent of the services under test."""

import itertools
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from matrix.accounts.models import User
from matrix.contributions.models import Contribution
from matrix.core.identifiers import self_employed_code_next
from matrix.core.money import money_times
from matrix.reference.models import Branch, City, Nationality, Plan, Race, Sector, SelfEmployedStatus, State
from matrix.registrations.models import Gender, Registration, SelfEmployedPerson

PASSWORD = "correct horse battery staple"
_ic_counter = itertools.count(1)


def next_ic_number() -> str:
    """A valid MyKad number: born 1 Jan 1990 in Kuala Lumpur (place code 14), a unique serial."""
    return f"90010114{next(_ic_counter):04d}"


def user_make(*, id_number: str | None = None, password: str = PASSWORD, **fields) -> User:
    defaults = {
        "full_name": "SITI BINTI HASSAN",
        "email": "siti@example.com",
        "mobile": "60123456789",
        "secret_phrase": "Kuih lapis on Sunday",
        "is_active": True,
        "activated_at": timezone.now(),
    }
    defaults.update(fields)
    return User.objects.create_user(id_number or next_ic_number(), password, **defaults)


def person_make(*, user: User | None = None, with_code: bool = True) -> SelfEmployedPerson:
    user = user or user_make()
    state = State.objects.get(code="KUL")
    return SelfEmployedPerson.objects.create(
        user=user,
        self_employed_code=self_employed_code_next() if with_code else None,
        status=SelfEmployedStatus.objects.first(),
        nationality=Nationality.objects.get(code="malaysian"),
        race=Race.objects.get(code="malay"),
        gender=Gender.FEMALE,
        address_line_1="No. 61 1st Floor",
        address_line_2="Jln Tuanku Osman",
        state=state,
        city=City.objects.filter(state=state).first(),
        postcode="50000",
        house_phone="60321234567",
        mobile=user.mobile,
        email=user.email,
        branch=Branch.objects.get(name="Pejabat PERKESO Kuala Lumpur"),
    )


def registration_make(*, person: SelfEmployedPerson | None = None, sector: str = "information-technology",
                      submitted_at: datetime | None = None) -> Registration:
    person = person or person_make()
    sector_obj = Sector.objects.get(code=sector)
    return Registration.objects.create(
        person=person,
        sector=sector_obj,
        sector_class=sector_obj.classes.first(),
        particulars={"full_name": person.user.full_name, "new_ic": person.user.id_number},
        acknowledged=True,
        submitted_at=submitted_at or timezone.now(),
    )


def contribution_make(*, registration: Registration | None = None, plan_number: int = 2, months: int = 4,
                      kind: str = Contribution.Kind.REGISTRATION, created_at: datetime | None = None,
                      **fields) -> Contribution:
    registration = registration or registration_make()
    plan = Plan.objects.get(number=plan_number)
    return Contribution.objects.create(
        registration=registration,
        kind=kind,
        plan=plan,
        monthly_contribution=plan.monthly_contribution,
        months=months,
        amount=money_times(Decimal(plan.monthly_contribution), months),
        created_at=created_at or timezone.now(),
        **fields,
    )


def reference_data_ensure() -> None:
    """Load the migration's reference rows again when a flush removed them (all of them, or what a test that
    re-created a few banks left). `serialized_rollback` is no help here: once Playwright's event loop runs in
    the test thread, Django hands out another connection object without the serialized contents."""
    from django.apps import apps

    from matrix.reference.loader import reference_data_load
    from matrix.reference.models import Bank, Plan, Sector, State

    if Sector.objects.exists() and Plan.objects.exists() and State.objects.exists() and Bank.objects.exists():
        return
    for model in ("City", "Branch", "State", "SectorClass", "Sector", "Plan", "Bank", "Race", "Nationality",
                  "SelfEmployedStatus"):
        apps.get_model("reference", model).objects.all().delete()
    reference_data_load(apps=apps)
