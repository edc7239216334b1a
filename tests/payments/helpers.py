"""Shared builders for the payments tests."""

from django.utils import timezone

from matrix.payments.models import Payment
from matrix.payments.services import payment_start
from tests.factories import contribution_make, person_make


def pending_payment_make(*, contribution=None, bank_code: str = "ABB0233") -> Payment:
    """A Pending payment opened through the real service (the AR is signed and logged)."""
    contribution = contribution or contribution_make(registration=None)
    user = contribution.registration.person.user
    return payment_start(contribution=contribution, user=user, bank_code=bank_code).payment


def contribution_for(user=None, **fields):
    from tests.factories import registration_make

    person = person_make(user=user) if user is not None else person_make()
    return contribution_make(registration=registration_make(person=person), **fields)


def aged(payment: Payment, seconds: int) -> Payment:
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timezone.timedelta(seconds=seconds))
    payment.refresh_from_db()
    return payment


def reference_data_ensure() -> None:
    """Put the reference data (sectors, plans, states, banks...) back when a transactional test flushed it.

    `serialized_rollback` does not do it reliably: after a transactional test without it, post_migrate has
    recreated the content types and the restore collides; and with a Playwright browser running in the test
    thread, Django's connection handler hands out a connection without the serialized contents."""
    import importlib

    from django.apps import apps

    from matrix.reference.models import Bank, Plan, Sector, State

    if Sector.objects.exists() and Plan.objects.exists() and State.objects.exists() and Bank.objects.exists():
        return
    for model in ("City", "Branch", "State", "SectorClass", "Sector", "Plan", "Bank", "Race", "Nationality",
                  "SelfEmployedStatus"):
        apps.get_model("reference", model).objects.all().delete()
    importlib.import_module("matrix.reference.migrations.0002_load_reference_data").load(apps, None)
