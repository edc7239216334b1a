"""Races on PostgreSQL: several workers claiming one message, two actions with one event key."""

from functools import partial

import pytest

from matrix.notifications.crypto import body_encrypt
from matrix.notifications.models import Message, OutboxMessage
from matrix.notifications.services import message_deliver, sms_send
from tests.concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_only_one_of_several_workers_claims_and_sends():
    body = body_encrypt({"text": "Hi"})
    message = Message.objects.create(channel="SMS", recipient="60108877665", body_encrypted=body)
    outcomes = race(partial(message_deliver, message_id=message.pk), threads=6)
    assert sorted(outcomes, key=str) == [None] * 5 + [Message.Status.SENT]
    assert OutboxMessage.objects.count() == 1
    message.refresh_from_db()
    assert message.attempts == 1 and message.status == Message.Status.SENT


def test_one_event_key_in_concurrent_actions_gives_one_message():
    def act():
        from django.db import transaction

        with transaction.atomic():
            return sms_send(to="60108877665", text="Hello", event_key="payment:42:approved").pk

    outcomes = race(act, threads=4)
    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert Message.objects.count() == 1 and OutboxMessage.objects.count() == 1
