"""Delivery receipts of the SMS gateway: POST /notifications/sms/receipt/ with the shared secret."""

import json

import pytest
from django.utils import timezone

from matrix.notifications.models import Message
from tests.concurrency import wait_until
from tests.notifications.conftest import RECEIPT_SECRET

pytestmark = [pytest.mark.django_db]

URL = "/notifications/sms/receipt/"


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.SMS_GATEWAY_RECEIPT_SECRET = RECEIPT_SECRET


def _sent(provider_id: str = "gw-1001", **fields) -> Message:
    defaults = {"channel": "SMS", "recipient": "60108877665", "status": Message.Status.SENT,
                "provider_id": provider_id, "sent_at": timezone.now(), "attempts": 1}
    return Message.objects.create(**{**defaults, **fields})


def _post(client, payload, secret=RECEIPT_SECRET):
    headers = {} if secret is None else {"X-Receipt-Secret": secret}
    return client.post(URL, data=json.dumps(payload), content_type="application/json", headers=headers)


def test_a_delivered_receipt_marks_the_message_delivered(client):
    message = _sent()
    response = _post(client, {"id": "gw-1001", "status": "DELIVERED"})
    assert response.status_code == 200 and response.json() == {"status": "DELIVERED"}
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.receipt_at is not None


@pytest.mark.parametrize("status", ["undelivered", "failed", "rejected", "expired"])
def test_a_failed_delivery_marks_the_message_undelivered(client, status):
    message = _sent()
    assert _post(client, {"id": "gw-1001", "status": status}).json() == {"status": "UNDELIVERED"}
    message.refresh_from_db()
    assert message.status == Message.Status.UNDELIVERED


def test_the_first_final_receipt_stays(client):
    message = _sent()
    _post(client, {"id": "gw-1001", "status": "delivered"})
    assert _post(client, {"id": "gw-1001", "status": "undelivered"}).json() == {"status": "DELIVERED"}
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_an_interim_status_is_ignored(client):
    message = _sent()
    assert _post(client, {"id": "gw-1001", "status": "buffered"}).json() == {"status": "ignored"}
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_receipt_by_our_reference(client):
    message = _sent()
    _post(client, {"id": "", "status": "delivered", "reference": str(message.reference)})
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


@pytest.mark.parametrize("secret", ["wrong-secret", "", None, RECEIPT_SECRET[:-1]])
def test_a_bad_secret_is_refused(client, secret):
    message = _sent()
    response = _post(client, {"id": "gw-1001", "status": "delivered"}, secret=secret)
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.receipt_at is None


def test_receipts_are_off_without_a_secret(client, settings):
    settings.SMS_GATEWAY_RECEIPT_SECRET = ""
    _sent()
    assert _post(client, {"id": "gw-1001", "status": "delivered"}, secret="").status_code == 404


def test_unknown_message_and_bad_json(client):
    _sent()
    assert _post(client, {"id": "gw-9999", "status": "delivered"}).status_code == 404
    response = client.post(URL, data="not json", content_type="application/json",
                           headers={"X-Receipt-Secret": RECEIPT_SECRET})
    assert response.status_code == 400
    assert _post(client, {"id": "gw-1001"}).status_code == 400
    assert client.get(URL, headers={"X-Receipt-Secret": RECEIPT_SECRET}).status_code == 405


def test_a_receipt_before_the_worker_recorded_the_answer_asks_to_come_back(client):
    message = Message.objects.create(channel="SMS", recipient="60108877665", status=Message.Status.SENDING,
                                     claimed_at=timezone.now(), attempts=1, body_encrypted="token")
    response = _post(client, {"id": "gw-1", "status": "delivered", "reference": str(message.reference)})
    assert response.status_code == 409
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING


def test_receipts_of_emails_are_not_accepted_here(client):
    _sent(channel="EMAIL", recipient="ahmad@example.com")
    assert _post(client, {"id": "gw-1001", "status": "delivered"}).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_local_gateway_calls_back_with_a_receipt(live_server, settings, django_capture_on_commit_callbacks):
    """End to end: the SMS goes to the local gateway, which posts its receipt to the portal's callback."""
    from matrix.notifications.devgateway import DevSmsGateway
    from matrix.notifications.services import sms_send

    receipt_url = live_server.url + URL
    with DevSmsGateway(receipt_url=receipt_url, receipt_secret=RECEIPT_SECRET) as gateway:
        settings.SMS_BACKEND = "http"
        settings.SMS_GATEWAY_URL = gateway.url
        message = sms_send(to="60108877665", text="Hello")
        wait_until(lambda: gateway.receipts, timeout=30, message="the gateway sent no delivery receipt")
    assert gateway.receipts and gateway.receipts[0][1] == 200
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.provider_id == gateway.messages[0]["id"]
