"""Settling FPX confirmations: the first approval (receipt number, coverage period, email on commit) and an
idempotent duplicate, against the one write every AC costs anyway (its row in the append-only log)."""

import itertools
from urllib.parse import urlencode

import pytest

from benchmarks.conftest import per_call_seconds, report
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from tests.factories import contribution_make, person_make, registration_make
from tests.payments.fpxkit import SELLER_EX_ID, SELLER_ID, ac_fields, key_pair_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def fpx(settings, tmp_path):
    fpx_pair, seller_pair = key_pair_make(tmp_path, "fpx"), key_pair_make(tmp_path, "seller")
    settings.FPX_CERT_PATHS = [str(fpx_pair.cert_path)]
    settings.FPX_PRIVATE_KEY_PATH = str(seller_pair.key_path)
    settings.FPX_SELLER_EX_ID, settings.FPX_SELLER_ID = SELLER_EX_ID, SELLER_ID
    return fpx_pair.key


def test_settlement_against_a_log_write(fpx):
    from matrix.payments.services import payment_start

    person = person_make()
    sectors = itertools.cycle(["hawker", "food", "fishery", "agent", "art", "forestry", "livestock", "construction"])
    signed = []
    for _ in range(40):
        contribution = contribution_make(registration=registration_make(person=person, sector=next(sectors)))
        payment = payment_start(contribution=contribution, user=person.user, bank_code="ABB0233").payment
        signed.append(ac_fields(payment, key=fpx))
        if len(signed) % 8 == 0:
            person = person_make()
    queue = iter(signed)

    def log_write():
        FpxMessage.objects.create(channel=FpxMessage.Channel.AC_DIRECT, body="x" * 1200, outcome="bench")

    def settle_first():
        fields = next(queue)
        assert payment_settle(fields=fields, raw_body=urlencode(fields), channel="AC_DIRECT").accepted

    baseline = per_call_seconds(log_write, repeat=1, number=40)
    first = per_call_seconds(settle_first, repeat=1, number=40)
    duplicate_fields = signed[0]
    duplicate = per_call_seconds(
        lambda: payment_settle(fields=duplicate_fields, raw_body=urlencode(duplicate_fields), channel="AC_DIRECT"),
        repeat=3, number=20,
    )
    report("settle first approval / log write", f"{first / baseline:8.1f}x")
    report("settle duplicate AC / log write", f"{duplicate / baseline:8.1f}x")
    assert Payment.objects.filter(status=Payment.Status.PAID).count() == 40
