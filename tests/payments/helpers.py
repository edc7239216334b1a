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


class HostAnswer:
    """What a fake `requests.post` returns for the FPX client: a 200 (or `status_code`) answer with `text`, read
    as the client reads it (streamed, inside a with block)."""

    def __init__(self, text: str | bytes, status_code: int = 200):
        self.content = text.encode() if isinstance(text, str) else text
        self.status_code = status_code

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def iter_content(self, chunk_size=1):
        for start in range(0, len(self.content), chunk_size):
            yield self.content[start:start + chunk_size]
