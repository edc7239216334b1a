"""Exactly-once settlement under concurrency, on PostgreSQL: the same direct AC 20 times at once; direct AC,
indirect AC and AE answers interleaved in every order; forged and altered messages mixed in."""

import itertools
from functools import partial

import pytest

from matrix.contributions.models import Contribution
from matrix.notifications.models import OutboxMessage
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle_body
from tests.concurrency import race
from tests.payments.fpxkit import ac_fields, body, tamper
from tests.payments.helpers import pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


Channel = FpxMessage.Channel
RANK = {Payment.Status.PENDING: 0, Payment.Status.PAID: 1, Payment.Status.FAILED: 1}


def _in_threads(jobs):
    """Run each (raw_body, channel) in its own thread, all released at once; each closes its connection."""
    results = race(*[partial(payment_settle_body, raw_body=raw, channel=channel) for raw, channel in jobs],
                   timeout=120)
    errors = [result for result in results if isinstance(result, BaseException)]
    assert not errors, errors
    return results


def _assert_settled_once(payment):
    payment.refresh_from_db()
    contribution = Contribution.objects.get(pk=payment.contribution_id)
    assert payment.status == Payment.Status.PAID and payment.receipt_no
    assert Payment.objects.filter(contribution=contribution, receipt_no__isnull=False).count() == 1
    assert contribution.state == Contribution.State.PAID and contribution.start_at == payment.settled_at
    assert Contribution.objects.filter(registration=contribution.registration_id, start_at__isnull=False).count() == 1
    return payment


def test_the_same_direct_ac_twenty_times_at_once_settles_once(fpx_key):
    payment = pending_payment_make()
    raw = body(ac_fields(payment, key=fpx_key))
    results = _in_threads([(raw, Channel.AC_DIRECT)] * 20)
    assert len(results) == 20 and all(result.accepted for result in results)
    assert sorted(result.outcome.split(":")[0] for result in results) == ["duplicate"] * 19 + ["paid"]
    _assert_settled_once(payment)
    assert FpxMessage.objects.filter(payment=payment, channel=Channel.AC_DIRECT).count() == 20
    assert OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).count() == 1


MESSAGE_KINDS = ("direct_00", "indirect_00", "ae_09", "ae_00")


def _message(kind, payment, key):
    channel = {"direct": Channel.AC_DIRECT, "indirect": Channel.AC_INDIRECT, "ae": Channel.AE_REPLY}[
        kind.split("_")[0]]
    return body(ac_fields(payment, key=key, code=kind.split("_")[1])), channel


@pytest.mark.parametrize("order", list(itertools.permutations(MESSAGE_KINDS)), ids="-".join)
def test_direct_indirect_and_enquiry_answers_in_every_order(fpx_key, order):
    payment = pending_payment_make()
    seen = []
    for kind in order:
        raw, channel = _message(kind, payment, fpx_key)
        assert payment_settle_body(raw_body=raw, channel=channel).accepted
        seen.append(Payment.objects.get(pk=payment.pk).status)
    assert [RANK[status] for status in seen] == sorted(RANK[status] for status in seen)  # never backwards
    assert seen[-1] == Payment.Status.PAID
    payment = _assert_settled_once(payment)
    first_approval = next(index for index, kind in enumerate(order) if kind.endswith("00"))
    assert all(status == Payment.Status.PENDING for status in seen[:first_approval])


def test_mixed_burst_with_forged_and_altered_messages(fpx_key, seller_keys):
    payment = pending_payment_make()
    genuine = [_message(kind, payment, fpx_key) for kind in MESSAGE_KINDS] * 3
    forged = body(ac_fields(payment, key=seller_keys.key))
    altered = body(tamper(ac_fields(payment, key=fpx_key), "fpx_txnAmount", "1.00"))
    wrong_amount = body(ac_fields(payment, key=fpx_key, txnAmount="1.00"))
    unknown = body(ac_fields(payment, key=fpx_key, sellerExOrderNo="NOSUCH"))
    bad = [(raw, Channel.AC_DIRECT) for raw in (forged, altered, wrong_amount, unknown)]
    results = _in_threads(genuine + bad)
    assert sum(result.accepted for result in results) == len(genuine)
    _assert_settled_once(payment)
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


def test_two_starts_at_once_open_one_payment(fpx_key):
    from matrix.payments.fpx.exceptions import UnableToTakePayment
    from matrix.payments.services import payment_start
    from tests.payments.helpers import contribution_for

    contribution = contribution_for()
    user = contribution.registration.person.user

    def start():
        payment_start(contribution=contribution, user=user, bank_code="ABB0233")
        return "started"

    outcomes = ["refused" if isinstance(outcome, UnableToTakePayment) else outcome
                for outcome in race(start, threads=5, timeout=60)]
    assert sorted(map(str, outcomes)) == ["refused"] * 4 + ["started"], outcomes
    assert Payment.objects.filter(contribution=contribution).count() == 1
