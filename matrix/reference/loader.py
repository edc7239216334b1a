"""Loads the starting reference data (matrix/reference/data.py). Used by migration 0002 with the historical
models, and by the test suite to restore the rows after a transactional test has flushed the tables."""

from decimal import Decimal


def reference_data_load(*, apps) -> None:
    from matrix.reference import data

    Sector = apps.get_model("reference", "Sector")
    SectorClass = apps.get_model("reference", "SectorClass")
    Plan = apps.get_model("reference", "Plan")
    State = apps.get_model("reference", "State")
    City = apps.get_model("reference", "City")
    Branch = apps.get_model("reference", "Branch")
    Bank = apps.get_model("reference", "Bank")
    Race = apps.get_model("reference", "Race")
    Nationality = apps.get_model("reference", "Nationality")
    SelfEmployedStatus = apps.get_model("reference", "SelfEmployedStatus")

    for order, (code, name_en, name_ms, effective_from, document) in enumerate(data.SECTORS, start=1):
        sector = Sector.objects.create(
            code=code, name_en=name_en, name_ms=name_ms, effective_from=effective_from,
            required_document=document, sort_order=order,
        )
        SectorClass.objects.bulk_create(
            SectorClass(sector=sector, name_en=class_en, name_ms=class_ms) for class_en, class_ms in data.CLASSES[code]
        )
    Plan.objects.bulk_create(
        Plan(number=number, insured_monthly_earnings=Decimal(earnings), monthly_contribution=Decimal(monthly),
             effective_from=data.PLANS_EFFECTIVE_FROM)
        for number, earnings, monthly in data.PLANS
    )
    for code, name, cities, branch in data.STATES:
        state = State.objects.create(code=code, name=name)
        City.objects.bulk_create(City(state=state, name=city, postcode=postcode) for city, postcode in cities)
        Branch.objects.create(state=state, name=branch)
    Bank.objects.bulk_create(Bank(code=code, name=name) for code, name in data.BANKS)
    for model, rows in ((Race, data.RACES), (Nationality, data.NATIONALITIES),
                        (SelfEmployedStatus, data.SELF_EMPLOYED_STATUSES)):
        model.objects.bulk_create(
            model(code=code, name_en=name_en, name_ms=name_ms, sort_order=order)
            for order, (code, name_en, name_ms) in enumerate(rows, start=1)
        )
