"""What one direct AC costs PostgreSQL, statement by statement, through the URL FPX posts to (the transaction as in
production: BEGIN ... COMMIT, not a test's savepoint). An approval is the payment's lock (which takes the
registration's lock in the same statement), a renewal's latest paid end, one conditional UPDATE of the
contribution, the receipt number, the payment's UPDATE and the log row: no savepoint, no separate lock or read. A
bound that fails when one of those comes back (benchmarks/profile_ac.py measures the time)."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.contributions.services import ContributionNotPayable, contribution_mark_paid
from matrix.core.coverage import cover_until, coverage_end
from matrix.payments.models import FpxMessage, Payment
from tests.factories import contribution_make, registration_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

Kind, State = Contribution.Kind, Contribution.State
LOCKS = re.compile(r"FOR (?:NO KEY )?UPDATE(?: OF \w+)?")


def _renewal_pending():
    """A pending payment of a renewal (the costliest approval: it reads the sector's latest paid end)."""
    registration = registration_make()
    start = timezone.now() - timedelta(days=10)
    contribution_make(registration=registration, months=1, state=State.PAID, start_at=start,
                      end_at=coverage_end(start=start, months=1), paid_at=start)
    return pending_payment_make(contribution=contribution_make(registration=registration, kind=Kind.RENEWAL,
                                                               months=1))


def _post(raw: str) -> tuple[list[str], bytes]:
    """The statements of the settlement's transaction of one direct AC posted to the portal, BEGIN to COMMIT,
    and its answer. (What follows the commit is the person's receipt and SMS: a worker's, in production; the
    tests' eager Celery makes them here.)"""
    client = Client()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("payments:fpx_direct"), raw, content_type="application/x-www-form-urlencoded")
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0] == "BEGIN" and "COMMIT" in statements, statements  # nothing before the transaction
    return statements[:statements.index("COMMIT") + 1], response.content


def _locks(statements: list[str]) -> list[tuple[str, list[str]]]:
    """Each locking statement: its tables, and its locking clauses."""
    return [(" ".join(sorted(set(re.findall(r'"(\w+_\w+)"', sql[sql.index(" FROM ")::])))), LOCKS.findall(sql))
            for sql in statements if LOCKS.search(sql)]


def test_a_direct_ac_paying_a_renewal_takes_eight_statements_at_most(fpx_key):
    payment = _renewal_pending()
    statements, answer = _post(body(ac_fields(payment, key=fpx_key)))
    assert answer == b"OK"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.receipt_no
    assert len(statements) <= 8, "\n".join(statements)
    assert not [sql for sql in statements if "SAVEPOINT" in sql], "\n".join(statements)
    # The registration (the sector's lock: renewals paid one after the other) is still locked FOR UPDATE, in the
    # statement that locks the payment (FOR NO KEY UPDATE: logging a message against it never waits), after it.
    assert _locks(statements) == [
        ("contributions_contribution payments_payment reference_bank registrations_registration",
         ["FOR NO KEY UPDATE OF p", "FOR UPDATE OF r"])], "\n".join(statements)
    renewal = payment.contribution
    renewal.refresh_from_db()
    first = Contribution.objects.get(registration_id=renewal.registration_id, kind=Kind.REGISTRATION)
    assert renewal.state == State.PAID and renewal.start_at == cover_until(first.end_at)


def test_a_direct_ac_paying_a_first_registration_takes_seven_statements_at_most(fpx_key):
    payment = pending_payment_make()
    statements, answer = _post(body(ac_fields(payment, key=fpx_key)))
    assert answer == b"OK"
    assert len(statements) <= 7, "\n".join(statements)
    assert Contribution.objects.get(pk=payment.contribution_id).state == State.PAID


def test_a_duplicate_approval_and_a_refusal_write_only_the_log_and_the_payment(fpx_key):
    paid, failed = pending_payment_make(), pending_payment_make()
    assert _post(body(ac_fields(paid, key=fpx_key)))[1] == b"OK"
    duplicate, answer = _post(body(ac_fields(paid, key=fpx_key)))
    assert answer == b"OK"
    assert len(duplicate) <= 4, "\n".join(duplicate)  # BEGIN, the lock, the log row, COMMIT
    refusal, answer = _post(body(ac_fields(failed, key=fpx_key, code="51")))
    assert answer == b"OK" and Payment.objects.get(pk=failed.pk).status == Payment.Status.FAILED
    assert len(refusal) <= 5, "\n".join(refusal)
    assert _locks(refusal) == [  # no registration lock: nothing is paid
        ("contributions_contribution payments_payment reference_bank", ["FOR NO KEY UPDATE OF p"])], refusal
    assert FpxMessage.objects.filter(channel=FpxMessage.Channel.AC_DIRECT).count() == 3


def test_marking_paid_outside_a_transaction_opens_its_own():
    contribution = contribution_make()
    assert not connection.in_atomic_block
    with CaptureQueriesContext(connection) as captured:
        contribution_mark_paid(contribution=contribution, paid_at=timezone.now())
    statements = [query["sql"] for query in captured.captured_queries]
    assert statements[0] == "BEGIN" and statements[-1] == "COMMIT", statements
    assert Contribution.objects.get(pk=contribution.pk).state == State.PAID
    with pytest.raises(ValueError):  # a lock said to be held, where none can be
        contribution_mark_paid(contribution=contribution, paid_at=timezone.now(), registration_locked=True)


def test_a_contribution_no_longer_payable_is_refused_and_the_transaction_goes_on():
    contribution = contribution_make(state=State.CANCELLED, cancelled_at=timezone.now())
    with transaction.atomic():
        with pytest.raises(ContributionNotPayable) as refused:
            contribution_mark_paid(contribution=contribution, paid_at=timezone.now())
        assert refused.value.state == State.CANCELLED
        assert Contribution.objects.filter(pk=contribution.pk).exists()  # no aborted transaction, no savepoint
    assert Contribution.objects.get(pk=contribution.pk).state == State.CANCELLED


@pytest.mark.parametrize("with_bank", [True, False])
def test_the_locked_payment_is_loaded_as_the_orm_loads_it(with_bank):
    """settle._payment_locked writes its statement by hand on PostgreSQL: every field of the payment, its
    contribution and its bank comes back as the ORM gives it (no field needing a converter slipped in)."""
    from matrix.payments.services.settle import _payment_locked

    payment = pending_payment_make()
    if not with_bank:
        Payment.objects.filter(pk=payment.pk).update(bank=None)
    expected = Payment.objects.select_related("contribution", "bank").get(pk=payment.pk)
    with transaction.atomic():
        for registration in (True, False):
            locked = _payment_locked(payment.seller_ex_order_no, registration=registration)
            for model, got, want in ((Payment, locked, expected),
                                     (Contribution, locked.contribution, expected.contribution),
                                     (type(expected.bank), locked.bank, expected.bank)):
                if want is None:
                    assert got is None
                    continue
                for field in model._meta.concrete_fields:
                    value, wanted = getattr(got, field.attname), getattr(want, field.attname)
                    assert (value, type(value)) == (wanted, type(wanted)), field
                assert not got._state.adding and got._state.db == "default"
        assert _payment_locked("NOSUCHORDER", registration=True) is None
