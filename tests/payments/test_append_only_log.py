import pytest
from django.db import DatabaseError, transaction

from matrix.payments.models import FpxMessage

pytestmark = pytest.mark.django_db


def test_a_logged_fpx_message_cannot_be_changed_even_by_a_bulk_update():
    message = FpxMessage.objects.create(channel=FpxMessage.Channel.AC_DIRECT, body="fpx_msgType=AC", outcome="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        FpxMessage.objects.filter(pk=message.pk).update(outcome="rewritten")
    message.refresh_from_db()
    assert message.outcome == "x"


def test_saving_a_logged_message_again_is_refused_before_the_database():
    message = FpxMessage.objects.create(channel=FpxMessage.Channel.AC_DIRECT, body="fpx_msgType=AC")
    message.outcome = "rewritten"
    with pytest.raises(ValueError):
        message.save()


def test_new_messages_are_still_added():
    FpxMessage.objects.create(channel=FpxMessage.Channel.AE, body="a")
    FpxMessage.objects.create(channel=FpxMessage.Channel.AE, body="b")
    assert FpxMessage.objects.count() == 2
