from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
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
        for class_en, class_ms in data.CLASSES[code]:
            SectorClass.objects.create(sector=sector, name_en=class_en, name_ms=class_ms)
    for number, earnings, monthly in data.PLANS:
        Plan.objects.create(
            number=number, insured_monthly_earnings=Decimal(earnings), monthly_contribution=Decimal(monthly),
            effective_from=data.PLANS_EFFECTIVE_FROM,
        )
    for code, name, cities, branch in data.STATES:
        state = State.objects.create(code=code, name=name)
        for city, postcode in cities:
            City.objects.create(state=state, name=city, postcode=postcode)
        Branch.objects.create(state=state, name=branch)
    for code, name in data.BANKS:
        Bank.objects.create(code=code, name=name)
    for model, rows in ((Race, data.RACES), (Nationality, data.NATIONALITIES),
                        (SelfEmployedStatus, data.SELF_EMPLOYED_STATUSES)):
        for order, (code, name_en, name_ms) in enumerate(rows, start=1):
            model.objects.create(code=code, name_en=name_en, name_ms=name_ms, sort_order=order)


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
