"""Exactly-once settlement under concurrency, on PostgreSQL with real threads: the same direct AC 20 times at
once; direct AC, indirect AC and AE answers in one burst; forged and altered messages mixed in; five starts of one
payment at once. (The same messages one after the other, in each of the 24 orders: test_ordering.py, on every
database.)"""

from functools import partial

import pytest

from matrix.contributions.models import Contribution
from matrix.notifications.models import OutboxMessage
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle_body
from tests.concurrency import race
from tests.payments.fpxkit import ac_fields, body, tamper
from tests.payments.helpers import pending_payment_make
from tests.payments.test_ordering import MESSAGE_KINDS, assert_settled_once, message_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


Channel = FpxMessage.Channel


def _in_threads(jobs):
    """Run each (raw_body, channel) in its own thread, all released at once; each closes its connection."""
    results = race(*[partial(payment_settle_body, raw_body=raw, channel=channel) for raw, channel in jobs],
                   timeout=120)
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


def test_the_same_direct_ac_twenty_times_at_once_settles_once(fpx_key):
    payment = pending_payment_make()
    raw = body(ac_fields(payment, key=fpx_key))
    results = _in_threads([(raw, Channel.AC_DIRECT)] * 20)
    assert len(results) == 20 and all(result.accepted for result in results)
    assert sorted(result.outcome.split(":")[0] for result in results) == ["duplicate"] * 19 + ["paid"]
    assert_settled_once(payment)
    assert FpxMessage.objects.filter(payment=payment, channel=Channel.AC_DIRECT).count() == 20
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).count() == 1


def test_mixed_burst_with_forged_and_altered_messages(fpx_key, seller_keys):
    payment = pending_payment_make()
    genuine = [message_for(kind, payment, fpx_key) for kind in MESSAGE_KINDS] * 3
    forged = body(ac_fields(payment, key=seller_keys.key))
    altered = body(tamper(ac_fields(payment, key=fpx_key), "fpx_txnAmount", "1.00"))
    wrong_amount = body(ac_fields(payment, key=fpx_key, txnAmount="1.00"))
    unknown = body(ac_fields(payment, key=fpx_key, sellerExOrderNo="NOSUCH"))
    bad = [(raw, Channel.AC_DIRECT) for raw in (forged, altered, wrong_amount, unknown)]
    results = _in_threads(genuine + bad)
    assert sum(result.accepted for result in results) == len(genuine)
    assert_settled_once(payment)
    refused = FpxMessage.objects.filter(outcome__startswith="refused")
    assert refused.count() == 4
    assert refused.filter(signature_valid=False).count() == 2


def test_forged_messages_alone_change_nothing(fpx_key, seller_keys):
    payment = pending_payment_make()
    forged = body(ac_fields(payment, key=seller_keys.key))
    results = _in_threads([(forged, Channel.AC_DIRECT)] * 5)
    assert not any(result.accepted for result in results)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.receipt_no is None
    assert Contribution.objects.get(pk=payment.contribution_id).state == Contribution.State.AWAITING_PAYMENT
    assert FpxMessage.objects.filter(signature_valid=False, payment=payment).count() == 5


def test_five_starts_at_once_open_one_payment_and_hand_out_one_ar(fpx_key):
    """A double (or fivefold) click on Pay with FPX: one Pending attempt, and every start gets its signed AR."""
    from matrix.payments.services import payment_start
    from tests.payments.helpers import contribution_for

    contribution = contribution_for()
    user = contribution.registration.person.user

    def start():
        started = payment_start(contribution=contribution, user=user, bank_code="ABB0233")
        return started.payment.pk, started.fields["fpx_sellerExOrderNo"], started.fields["fpx_checkSum"]

    outcomes = race(start, threads=5, timeout=60)
    assert not [outcome for outcome in outcomes if isinstance(outcome, BaseException)], outcomes
    assert len(set(outcomes)) == 1, outcomes
    payment = Payment.objects.get(contribution=contribution)
    assert payment.status == Payment.Status.PENDING and outcomes[0][:2] == (payment.pk, payment.seller_ex_order_no)
