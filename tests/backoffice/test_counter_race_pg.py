"""A counter payment and an FPX approval of the same contribution, at once, on PostgreSQL with real threads: the
contribution is paid once, and the other payment's money is owed back: exactly one Refund, Due.

LockHeld holds the registration's row lock (the lock both paths take before paying the contribution) until both
racers wait for it, so both have passed their own checks and the interleaving is the worst one, without timing.
The same pair one after the other, in both orders, runs on every database."""

from functools import partial

import pytest

from matrix.backoffice.models import Role
from matrix.backoffice.services.counter import counter_payment_record
from matrix.contributions.models import Contribution
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle_body
from matrix.reference.models import Branch
from tests.backoffice.conftest import make_staff
from tests.concurrency import LockHeld, race
from tests.payments.conftest import _fpx_settings, fpx_key, fpx_keys  # noqa: F401 - FPX test keys
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make


def _assert_paid_once_with_one_refund(contribution):
    contribution.refresh_from_db()
    assert contribution.state == Contribution.State.PAID
    paid = Payment.objects.filter(contribution=contribution, status=Payment.Status.PAID)
    assert paid.count() == 2
    assert paid.filter(refund_due=False).count() == 1
    refund = Refund.objects.get(payment__contribution=contribution)
    assert refund.state == Refund.State.DUE and refund.reason == Refund.Reason.ALREADY_PAID
    assert contribution.paid_at == paid.get(refund_due=False).paid_at
    assert len(set(paid.values_list("receipt_no", flat=True))) == 2


def _racers(fpx_payment, officer):
    contribution = fpx_payment.contribution
    counter = partial(counter_payment_record, contribution_id=contribution.pk, amount=contribution.amount,
                      counter_method="CASH", branch=Branch.objects.first(), reference="SLIP-9",
                      staff_user=officer.user)
    fpx = partial(payment_settle_body, raw_body=body(ac_fields(fpx_payment, key=fpx_key_holder[0])),
                  channel=FpxMessage.Channel.AC_DIRECT)
    return counter, fpx


fpx_key_holder: list = []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_counter_payment_raced_against_an_fpx_approval_settles_once_and_owes_one_refund(fpx_key):  # noqa: F811
    fpx_key_holder[:] = [fpx_key]
    officer = make_staff("ctr1", Role.OFFICER)
    fpx_payment = pending_payment_make()
    contribution = fpx_payment.contribution
    counter, fpx = _racers(fpx_payment, officer)
    statement = f"SELECT 1 FROM registrations_registration WHERE id = {contribution.registration_id} FOR UPDATE"
    with LockHeld(statement, waiters=2) as held:
        outcomes = race(counter, fpx)
    assert held.released_on_waiters
    assert not [o for o in outcomes if isinstance(o, BaseException)], outcomes
    assert outcomes[1].accepted
    _assert_paid_once_with_one_refund(contribution)


@pytest.mark.django_db
@pytest.mark.parametrize("counter_first", [True, False])
def test_one_after_the_other_in_both_orders(fpx_key, counter_first):  # noqa: F811
    fpx_key_holder[:] = [fpx_key]
    officer = make_staff("ctr1", Role.OFFICER)
    fpx_payment = pending_payment_make()
    counter, fpx = _racers(fpx_payment, officer)
    if counter_first:
        counter()
        assert fpx().outcome == "paid, refund due: contribution already paid"
        _assert_paid_once_with_one_refund(fpx_payment.contribution)
    else:
        assert fpx().outcome == "paid"
        from matrix.payments.services.counter import CounterRefused

        with pytest.raises(CounterRefused):  # the officer is told before taking money for a paid contribution
            counter()
        assert not Refund.objects.exists()
