"""With a broker, a settlement marks its payment to be told (in the settlement's own UPDATE) and a worker sends the
receipt email (with its PDF) and the SMS: the request that settled never builds the PDF, and publishes at most one
task a second (a kick), not one per settlement. When the broker cannot take the kick, the payment is told in the
request, as before; a kick lost with its process is made up by the periodic sweep."""

import pytest
from kombu.exceptions import OperationalError

from matrix.notifications.models import Message
from matrix.payments import tasks
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from matrix.payments.services import settle as services
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(settings, monkeypatch):
    """A configured broker (not eager), a fresh kick window: the kicks published (their options)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(services, "_kick_next", [0.0])
    published = []
    monkeypatch.setattr(tasks.payments_settled_tell, "apply_async", lambda **options: published.append(options))
    return published


def _settle(payment, key, code="00"):
    fields = ac_fields(payment, key=key, code=code)
    return payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)


def _messages():
    return sorted(Message.objects.values_list("channel", "kind"))


def test_approvals_are_told_by_a_worker_after_one_kick(fpx_key, broker, django_capture_on_commit_callbacks):
    payments = [pending_payment_make() for _ in range(3)]
    for payment in payments:
        with django_capture_on_commit_callbacks(execute=True):
            assert _settle(payment, fpx_key).outcome == "paid"
    assert len(broker) == 1 and broker[0]["countdown"] > services.KICK_WINDOW_SECONDS
    assert not Message.objects.exists()  # nothing made in the requests
    assert set(Payment.objects.values_list("tell_pending", flat=True)) == {True}
    assert tasks.payments_settled_tell() == 3  # the worker: receipt email and SMS of each
    assert _messages() == sorted([(Message.Channel.EMAIL, "payment_approved"),
                                  (Message.Channel.SMS, "payment_approved")] * 3)
    assert set(Payment.objects.values_list("tell_pending", flat=True)) == {False}
    assert tasks.payments_settled_tell() == 0 and Message.objects.count() == 6  # once each


def test_a_failure_is_told_by_the_worker_without_a_receipt(fpx_key, broker, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        assert _settle(payment, fpx_key, code="51").outcome.startswith("failed")
    assert len(broker) == 1 and Payment.objects.get(pk=payment.pk).tell_pending
    assert tasks.payments_settled_tell() == 1
    assert _messages() == [(Message.Channel.EMAIL, "payment_failed"), (Message.Channel.SMS, "payment_failed")]


def test_with_the_broker_down_the_payment_is_told_in_the_request(
        fpx_key, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(services, "_kick_next", [0.0])

    def down(**options):
        raise OperationalError("Error 111 connecting to the broker")

    monkeypatch.setattr(tasks.payments_settled_tell, "apply_async", down)
    monkeypatch.setattr("matrix.notifications.services.message_publish", lambda **kwargs: False)
    payments = [pending_payment_make() for _ in range(2)]
    for payment in payments:
        with django_capture_on_commit_callbacks(execute=True):
            _settle(payment, fpx_key)
    assert set(Payment.objects.values_list("status", "tell_pending")) == {(Payment.Status.PAID, False)}
    assert len(_messages()) == 4  # each told in its own request (the broker is tried again for the second)


def test_a_settlement_whose_kick_was_lost_is_told_by_the_periodic_sweep(fpx_key, broker):
    payment = pending_payment_make()
    _settle(payment, fpx_key)  # committed, but its process died before the kick: no on-commit callback ran
    assert broker == [] and Payment.objects.get(pk=payment.pk).tell_pending
    tasks.payments_requery_pending()
    assert _messages() == [(Message.Channel.EMAIL, "payment_approved"), (Message.Channel.SMS, "payment_approved")]
    assert not Payment.objects.get(pk=payment.pk).tell_pending


class WorkerKilled(BaseException):
    """What a worker killed (or a connection lost) midway looks like to the code after it: nothing more runs."""


def test_a_worker_killed_while_telling_leaves_the_mark_for_the_next_sweep(
        fpx_key, broker, monkeypatch, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        assert _settle(payment, fpx_key).outcome == "paid"

    def killed(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(services, "payment_settled_tell", killed)  # after the receipt email was written
    with pytest.raises(WorkerKilled):
        tasks.payments_settled_tell()
    assert Payment.objects.get(pk=payment.pk).tell_pending  # the claim went with the worker
    assert not Message.objects.exists()  # and so did the half-made messages
    monkeypatch.undo()
    monkeypatch.setattr(tasks.payments_settled_tell, "apply_async", lambda **options: None)
    assert services.payments_tell_pending() == 1  # the periodic job's sweep tells it
    assert _messages() == [(Message.Channel.EMAIL, "payment_approved"), (Message.Channel.SMS, "payment_approved")]
