"""A settlement that commits hands the receipt email and the SMS to a worker in one task (the request that settled
never builds the PDF); when the broker cannot take the task, they are made in the request, as before."""

import pytest
from kombu.exceptions import OperationalError

from matrix.notifications.models import Message
from matrix.payments import tasks
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(settings, monkeypatch):
    """A configured broker (not eager): what was published."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    published = []
    monkeypatch.setattr(tasks.payment_settled_tell_task, "apply_async",
                        lambda args, **options: published.append(tuple(args)))
    return published


def _settle(payment, key, code="00"):
    fields = ac_fields(payment, key=key, code=code)
    return payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)


def test_an_approval_publishes_one_task_and_makes_no_message_in_the_request(
        fpx_key, broker, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        assert _settle(payment, fpx_key).outcome == "paid"
    assert broker == [(payment.pk, True)]
    assert not Message.objects.exists()
    # The worker's side: the receipt email (with its PDF) and the SMS, once each even if the task runs twice.
    tasks.payment_settled_tell_task(payment.pk, True)
    tasks.payment_settled_tell_task(payment.pk, True)
    kinds = sorted(Message.objects.values_list("channel", "kind"))
    assert kinds == [(Message.Channel.EMAIL, "payment_approved"), (Message.Channel.SMS, "payment_approved")]


def test_a_failure_publishes_the_task_without_a_receipt(fpx_key, broker, django_capture_on_commit_callbacks):
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        assert _settle(payment, fpx_key, code="51").outcome.startswith("failed")
    assert broker == [(payment.pk, False)]


def test_with_the_broker_down_the_messages_are_made_in_the_request(
        fpx_key, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker")

    monkeypatch.setattr(tasks.payment_settled_tell_task, "apply_async", down)
    monkeypatch.setattr("matrix.notifications.services.message_publish", lambda **kwargs: False)
    payment = pending_payment_make()
    with django_capture_on_commit_callbacks(execute=True):
        _settle(payment, fpx_key)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    assert sorted(Message.objects.values_list("channel", flat=True)) == [Message.Channel.EMAIL, Message.Channel.SMS]
