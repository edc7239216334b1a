"""The pending payments `make bench` makes for itself (benchmarks/pending.py): each run gets exactly its own set,
whatever earlier runs left, and the set settles as the bench expects: the direct ACs approve their attempts, and
the re-query (against the simulated FPX, in process) pays the three in four the bank approved and closes the rest.
On PostgreSQL (seed_scale writes with COPY); the keys are `manage.py fpx_keys`' (make bench-micro makes them)."""

from urllib.parse import parse_qsl, urlencode

import pytest
from django.conf import settings
from django.utils import timezone

from benchmarks.pending import REQUERY_AGE, pending_payments_make, requery_only
from matrix.contributions.models import Contribution
from matrix.fpx_simulator.models import SimulatedTransaction
from matrix.fpx_simulator.services import enquiry_answer
from matrix.payments.fpx import client
from matrix.payments.models import Payment
from matrix.payments.services import payment_settle
from matrix.payments.services.requery import payments_requery_run
from matrix.scale import seed as scale_seed
from matrix.scale.seed import Seeder

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("postgresql" not in settings.DATABASES["default"]["ENGINE"],
                       reason="seed_scale needs PostgreSQL (DATABASE_URL)"),
]


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(scale_seed, "CHUNK_PEOPLE", 20)
    return Seeder(people=40, seed=11).run(workers=1)


@pytest.fixture
def simulated_fpx(monkeypatch):
    """FPX's enquiry host is the simulator, called in process."""
    monkeypatch.setattr(client, "enquiry_send", lambda fields: urlencode(enquiry_answer(data=fields)))


def test_each_run_gets_exactly_its_own_pending_set(seeded):
    seeded_pending = set(Payment.objects.filter(status=Payment.Status.PENDING).values_list("pk", flat=True))
    awaiting = Contribution.objects.filter(state=Contribution.State.AWAITING_PAYMENT).count()
    wanted = awaiting + 15  # more than the data has awaiting payment: renewals are made for the rest

    first = pending_payments_make(direct=wanted - 8, requery=8, base_url="https://localhost:8611")
    pending = set(Payment.objects.filter(status=Payment.Status.PENDING).values_list("pk", flat=True))
    assert pending == set(first.direct) | set(first.requery) and len(pending) == wanted
    assert first.closed == len(seeded_pending) and first.renewals_made == 15
    assert set(Payment.objects.filter(pk__in=seeded_pending).values_list("status", flat=True)) <= {"FAILED"}
    assert first.requery_approved == 6 == SimulatedTransaction.objects.count()
    old = Payment.objects.filter(pk__in=first.requery, created_at__lte=timezone.now() - REQUERY_AGE)
    assert old.count() == 8

    second = pending_payments_make(direct=wanted - 8, requery=8, base_url="https://localhost:8611")
    pending = set(Payment.objects.filter(status=Payment.Status.PENDING).values_list("pk", flat=True))
    assert pending == set(second.direct) | set(second.requery) and len(pending) == wanted
    assert second.closed == wanted and second.renewals_made == 0  # the first run's attempts closed, not renewed


def test_the_set_settles_as_the_bench_expects(seeded, simulated_fpx):
    from benchmarks.run import ac_bodies

    made = pending_payments_make(direct=5, requery=8, base_url="https://localhost:8611")
    bodies, ids = ac_bodies(made.direct)
    assert sorted(ids) == sorted(made.direct)
    for raw in bodies:
        assert payment_settle(fields=dict(parse_qsl(raw)), raw_body=raw, channel="AC_DIRECT").accepted

    requery_only(made.requery)
    counts = payments_requery_run(budget_seconds=60, batch=len(made.requery))
    assert counts["queried"] == counts["settled"] == 8
    statuses = list(Payment.objects.filter(pk__in=made.requery).order_by("pk").values_list("status", flat=True))
    assert statuses == ["PAID", "PAID", "PAID", "FAILED"] * 2
    assert Payment.objects.filter(pk__in=made.direct, status=Payment.Status.PAID).count() == 5
