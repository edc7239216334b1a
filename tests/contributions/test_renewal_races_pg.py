"""Races on renewals, on PostgreSQL with real threads: two renewals of one sector settled at the same moment get
consecutive periods that do not overlap. contribution_mark_paid locks the registration (the sector) before it
reads the sector's latest end, so the second settlement reads the end the first one wrote.

Two renewals of one sector cannot both await payment today (the constraint `contribution_one_unpaid_renewal`
refuses the second one), so the test lifts that constraint for its own duration: the lock is what keeps periods
consecutive if any path (a counter payment, staff re-opening a renewal) ever lets two of them settle together.
The interleaving is fixed, not left to timing: the receipt-number table is held locked until both settlements
wait, so without the registration lock both would have read the sector's end before either wrote its own."""

from datetime import timedelta
from functools import partial

import pytest
from django.db import connection
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.coverage import cover_until, coverage_end
from matrix.core.models import ReceiptNumber
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle_body
from tests.concurrency import LockHeld, race
from tests.factories import contribution_make, registration_make
from tests.payments import conftest as payments_fixtures
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Kind, State = Contribution.Kind, Contribution.State
ONE_UNPAID_RENEWAL = "contribution_one_unpaid_renewal"

# The payments tests' throwaway FPX keys (FPX signs the ACs, the portal verifies them).
_fpx_settings = payments_fixtures._fpx_settings
fpx_keys = payments_fixtures.fpx_keys
fpx_key = payments_fixtures.fpx_key


@pytest.fixture
def two_unpaid_renewals_allowed():
    """Lift `contribution_one_unpaid_renewal` for this test; put it back afterwards (renewals left unpaid are
    cancelled first, so the constraint holds again)."""
    constraint = next(c for c in Contribution._meta.constraints if c.name == ONE_UNPAID_RENEWAL)
    with connection.schema_editor() as editor:
        editor.remove_constraint(Contribution, constraint)
    try:
        yield
    finally:
        Contribution.objects.filter(kind=Kind.RENEWAL, state=State.AWAITING_PAYMENT).update(
            state=State.CANCELLED, cancelled_at=timezone.now())
        with connection.schema_editor() as editor:
            editor.add_constraint(Contribution, constraint)


def test_two_renewals_of_one_sector_settled_at_once_get_consecutive_periods(
        fpx_key, two_unpaid_renewals_allowed):
    registration = registration_make()
    first_start = timezone.now() - timedelta(days=10)
    first = contribution_make(registration=registration, months=1, state=State.PAID, start_at=first_start,
                              end_at=coverage_end(start=first_start, months=1), paid_at=first_start)
    renewals = [contribution_make(registration=registration, kind=Kind.RENEWAL, months=months)
                for months in (3, 5)]
    payments = [pending_payment_make(contribution=renewal) for renewal in renewals]
    settle = [partial(payment_settle_body, raw_body=body(ac_fields(payment, key=fpx_key)),
                      channel=FpxMessage.Channel.AC_DIRECT) for payment in payments]

    with LockHeld(f"LOCK TABLE {ReceiptNumber._meta.db_table} IN EXCLUSIVE MODE", waiters=2) as held:
        outcomes = race(*settle, timeout=60)
    assert held.released_on_waiters, "the two settlements never both waited: the interleaving was not the one meant"

    assert [getattr(outcome, "outcome", outcome) for outcome in outcomes] == ["paid", "paid"], outcomes
    assert all(Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID for payment in payments)
    periods = list(Contribution.objects.filter(registration=registration, state=State.PAID)
                   .order_by("start_at").values_list("pk", "start_at", "end_at", "months"))
    assert len(periods) == 3 and periods[0][0] == first.pk
    for (_pk, _start, end, _months), (_next_pk, next_start, next_end, months) in zip(periods, periods[1:]):
        assert next_start == cover_until(end), periods  # 00:00:00 the day after the previous last second
        assert next_end == coverage_end(start=next_start, months=months)
