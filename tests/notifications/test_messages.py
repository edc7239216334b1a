"""Durable messages in process: the row written in the action's transaction, the claim, retries by backoff, the
sweep, encryption at rest, one message per event, and the HTTP gateway adapter against the local gateway."""

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, transaction
from django.utils import timezone

from matrix.notifications import services
from matrix.notifications.crypto import body_decrypt
from matrix.notifications.models import Message, OutboxMessage
from matrix.notifications.services import email_send, message_deliver, messages_sweep, sms_send

pytestmark = pytest.mark.django_db

CODE_TEXT = "MATRIX PERKESO: your one-time code is 482913. It expires in 10 minutes."


def _row_dump(message: Message) -> str:
    return repr(list(Message.objects.filter(pk=message.pk).values()))


def test_an_sms_is_a_row_written_in_the_transaction_and_sent_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = sms_send(to="60108877665", text=CODE_TEXT, kind="otp")
        assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
        assert not OutboxMessage.objects.exists()
    message.refresh_from_db()
    outbox = OutboxMessage.objects.get()
    assert (outbox.channel, outbox.to, outbox.body) == ("SMS", "60108877665", CODE_TEXT)
    assert message.status == Message.Status.SENT and message.attempts == 1
    assert message.provider_id == f"outbox-{outbox.pk}" and message.sent_at is not None
    assert (message.channel, message.recipient, message.kind, message.language) == ("SMS", "60108877665", "otp", "en")
    assert message.body_encrypted == "" and "482913" not in _row_dump(message)


def test_the_body_is_encrypted_while_it_waits(django_capture_on_commit_callbacks, settings):
    settings.MESSAGES_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = sms_send(to="60108877665", text=CODE_TEXT)
    queued = _row_dump(message)
    assert "482913" not in queued and "one-time code" not in queued
    message.refresh_from_db()
    assert body_decrypt(message.body_encrypted) == {"text": CODE_TEXT}
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.body_encrypted == ""
    assert OutboxMessage.objects.get().body == CODE_TEXT


def test_a_key_derived_from_secret_key_when_none_is_set(settings):
    from cryptography.fernet import InvalidToken

    from matrix.notifications.crypto import body_encrypt

    settings.MESSAGES_ENCRYPTION_KEY = ""
    token = body_encrypt({"text": "x"})
    assert body_decrypt(token) == {"text": "x"}
    settings.SECRET_KEY = "another-secret-key-0123456789-0123456789-0123456789"
    with pytest.raises(InvalidToken):
        body_decrypt(token)


def test_keys_rotate_the_first_encrypts_every_one_decrypts(settings):
    from matrix.notifications.crypto import body_encrypt

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MESSAGES_ENCRYPTION_KEY = old
    token = body_encrypt({"text": "x"})
    settings.MESSAGES_ENCRYPTION_KEY = f"{new},{old}"
    assert body_decrypt(token) == {"text": "x"}
    assert Fernet(new.encode()).decrypt(body_encrypt({"text": "y"}).encode()) == b'{"text":"y"}'


def test_a_body_no_key_can_read_fails_the_message(django_capture_on_commit_callbacks, settings):
    settings.MESSAGES_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    settings.MESSAGES_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert message_deliver(message_id=message.pk) == Message.Status.FAILED
    message.refresh_from_db()
    assert "cannot be decrypted" in message.last_error and message.body_encrypted == ""


def test_a_rolled_back_action_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        sms_send(to="60108877665", text=CODE_TEXT)
        email_send(to="ahmad@example.com", subject="Hello", text="Body")
        raise RuntimeError
    assert not Message.objects.exists() and not OutboxMessage.objects.exists()


def test_one_event_key_gives_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = email_send(to="ahmad@example.com", subject="Receipt 1", text="Paid", event_key="receipt:1")
    with django_capture_on_commit_callbacks(execute=True):
        again = email_send(to="ahmad@example.com", subject="Receipt 1", text="Paid", event_key="receipt:1")
    assert again.pk == first.pk
    assert Message.objects.count() == 1 and OutboxMessage.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(channel="EMAIL", recipient="x@example.com", event_key="receipt:1")


def test_the_database_refuses_a_body_kept_after_sending():
    message = Message.objects.create(channel="SMS", recipient="60108877665", body_encrypted="token")
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, sent_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=Message.Status.FAILED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status="LOST")


def test_only_the_claimer_sends(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    assert message_deliver(message_id=message.pk) == Message.Status.SENT
    assert message_deliver(message_id=message.pk) is None  # a duplicate task finds nothing to claim
    assert OutboxMessage.objects.count() == 1


def test_the_gateway_failing_then_timing_out_is_retried_until_it_delivers(
    gateway, django_capture_on_commit_callbacks, caplog
):
    gateway.fail(500)
    gateway.stall()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(to="60108877665", text=CODE_TEXT, kind="otp")
    after = timezone.now()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 1
    assert message.last_error == "SMS gateway answered HTTP 500"
    assert before + timedelta(seconds=60) <= message.next_attempt_at <= after + timedelta(seconds=60)
    assert messages_sweep(now=message.next_attempt_at - timedelta(seconds=1))["published"] == 0  # not due yet

    before = timezone.now()
    assert messages_sweep(now=message.next_attempt_at)["published"] == 1  # the gateway stalls: the client times out
    after = timezone.now()
    gateway.release()
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.attempts == 2
    assert message.last_error == "SMS gateway timed out after 1 s"
    assert before + timedelta(seconds=300) <= message.next_attempt_at <= after + timedelta(seconds=300)

    assert messages_sweep(now=message.next_attempt_at)["published"] == 1  # recovered
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 3 and message.body_encrypted == ""
    assert [taken["id"] for taken in gateway.messages] == [message.provider_id]
    taken = gateway.messages[0]
    assert (taken["to"], taken["from"], taken["text"]) == ("60108877665", "PERKESO", CODE_TEXT)
    assert {request["reference"] for request in gateway.requests} == {str(message.reference)}
    assert len(gateway.requests) == 3
    assert "482913" not in caplog.text


def test_failed_with_its_error_after_the_last_attempt(gateway, django_capture_on_commit_callbacks, settings):
    settings.MESSAGES_RETRY_SCHEDULE = [30]
    gateway.fail(502, times=2)
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    messages_sweep(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == 2
    assert message.last_error == "SMS gateway answered HTTP 502" and message.body_encrypted == ""
    assert messages_sweep(now=timezone.now() + timedelta(days=1))["published"] == 0
    assert gateway.messages == [] and len(gateway.requests) == 2


def test_a_refusal_that_retrying_cannot_fix_fails_at_once(gateway, django_capture_on_commit_callbacks, settings):
    settings.SMS_GATEWAY_TOKEN = "a-wrong-token"
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.attempts == 1
    assert message.last_error == "SMS gateway answered HTTP 401"


def test_an_answer_without_an_id_is_retried(gateway, django_capture_on_commit_callbacks, settings, monkeypatch):
    import requests

    class NoId:
        status_code = 200

        def json(self):
            return {"status": "accepted"}

    monkeypatch.setattr(requests, "post", lambda *args, **kwargs: NoId())
    with django_capture_on_commit_callbacks(execute=True):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.last_error == "SMS gateway answered without a message id"


def test_the_sweep_requeues_a_message_whose_worker_was_lost(django_capture_on_commit_callbacks, settings):
    settings.MESSAGES_LEASE_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    claimed_at = timezone.now()
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, claimed_at=claimed_at, attempts=1)

    assert message_deliver(message_id=message.pk) is None  # another worker holds it
    assert messages_sweep(now=claimed_at + timedelta(seconds=299)) == {"requeued": 0, "failed": 0, "published": 0}
    assert messages_sweep(now=claimed_at + timedelta(seconds=301)) == {"requeued": 1, "failed": 0, "published": 1}
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert OutboxMessage.objects.count() == 1


def test_a_lost_worker_on_the_last_attempt_fails_the_message(settings):
    settings.MESSAGES_RETRY_SCHEDULE = [60]
    claimed_at = timezone.now()
    message = Message.objects.create(
        channel="SMS", recipient="60108877665", body_encrypted="token", status=Message.Status.SENDING,
        claimed_at=claimed_at, attempts=2,
    )
    assert messages_sweep(now=claimed_at + timedelta(hours=1))["failed"] == 1
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.body_encrypted == ""
    assert "lost" in message.last_error


def test_a_late_worker_does_not_overwrite_the_next_claim(django_capture_on_commit_callbacks, monkeypatch):
    """Worker A's lease ran out mid-send and worker B claimed the message; A's late answer changes nothing."""
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    real = services.sms_deliver

    def slow_worker_a(outgoing):
        Message.objects.filter(pk=message.pk).update(attempts=2)  # B claimed meanwhile (a higher fencing token)
        return real(outgoing)

    monkeypatch.setattr(services, "sms_deliver", slow_worker_a)
    assert message_deliver(message_id=message.pk) is None
    message.refresh_from_db()
    assert message.status == Message.Status.SENDING and message.provider_id == ""


def test_a_broker_outage_leaves_the_row_queued_and_the_sweep_sends_it(
    django_capture_on_commit_callbacks, settings, caplog
):
    from tests.notifications.conftest import celery_broker, closed_broker_url

    caplog.set_level(logging.WARNING, logger="matrix.notifications")
    with celery_broker(closed_broker_url()):
        with django_capture_on_commit_callbacks(execute=True):
            message = sms_send(to="60108877665", text=CODE_TEXT)  # no exception reaches the caller
        message.refresh_from_db()
        assert message.status == Message.Status.QUEUED and message.attempts == 0
        assert message.next_attempt_at <= timezone.now()  # due at once for the sweep
        assert messages_sweep() == {"requeued": 0, "failed": 0, "published": 0}  # still down: nothing lost
        message.refresh_from_db()
        assert message.status == Message.Status.QUEUED and message.next_attempt_at <= timezone.now()
    assert f"message {message.pk} not published" in caplog.text and "482913" not in caplog.text
    # The broker is back (tasks run in process here); the sweep publishes the forgotten row.
    assert messages_sweep()["published"] == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and OutboxMessage.objects.get().body == CODE_TEXT


def test_a_published_message_is_published_again_only_when_its_task_seems_lost(
    django_capture_on_commit_callbacks, settings
):
    settings.MESSAGES_SWEEP_GRACE_SECONDS = 300
    with django_capture_on_commit_callbacks(execute=False):  # published, but no worker has taken it yet
        message = sms_send(to="60108877665", text=CODE_TEXT)
    assert messages_sweep(now=message.created_at + timedelta(seconds=299))["published"] == 0
    assert messages_sweep(now=message.created_at + timedelta(seconds=300))["published"] == 1
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and OutboxMessage.objects.count() == 1


def test_sign_up_succeeds_with_the_broker_down(settings):
    from matrix.accounts.models import User
    from tests.accounts.helpers import MOBILE, signup_data
    from tests.notifications.conftest import CommittingClient, celery_broker, closed_broker_url

    client = CommittingClient()
    with celery_broker(closed_broker_url()):
        response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/verify/"
    assert User.objects.filter(mobile=MOBILE).exists()
    message = Message.objects.get()
    assert (message.channel, message.recipient, message.status) == ("SMS", MOBILE, Message.Status.QUEUED)
    assert not OutboxMessage.objects.exists()
    messages_sweep(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert "one-time code" in OutboxMessage.objects.get(to=MOBILE).body


def test_email_through_a_real_smtp_server(smtp_server, django_capture_on_commit_callbacks):
    controller, collector = smtp_server
    with django_capture_on_commit_callbacks(execute=True):
        message = email_send(
            to="ahmad@example.com", subject="PERKESO Contribution Receipt 20190000104627", text="Thank you.",
            html="<p>Thank you.</p>", attachments=[("receipt.pdf", b"%PDF-1.4 receipt", "application/pdf")],
            kind="receipt",
        )
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.body_encrypted == ""
    [envelope] = collector.envelopes
    assert envelope.rcpt_tos == ["ahmad@example.com"]
    content = envelope.content.decode()
    assert f"Message-ID: <{message.reference}@" in content and message.provider_id.startswith(f"<{message.reference}@")
    assert "Subject: PERKESO Contribution Receipt 20190000104627" in content
    assert 'filename="receipt.pdf"' in content and "text/html" in content
    assert not OutboxMessage.objects.exists()


def test_email_with_the_mail_server_down_is_retried(smtp_server, django_capture_on_commit_callbacks, settings):
    from tests.notifications.conftest import free_port

    controller, collector = smtp_server
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        message = email_send(to="ahmad@example.com", subject="Hello", text="Body")
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED and message.last_error.startswith("mail server unreachable")
    settings.EMAIL_PORT = controller.port
    messages_sweep(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and len(collector.envelopes) == 1


def test_counts_by_status_and_a_persons_history(user, django_capture_on_commit_callbacks):
    from matrix.notifications.selectors import message_history, messages_count_by_status

    with django_capture_on_commit_callbacks(execute=True):
        sms_send(to=user.mobile, text="One", kind="otp", user=user)
        email_send(to=user.email, subject="Two", text="Two", kind="activation", user=user)
    with django_capture_on_commit_callbacks(execute=False):
        sms_send(to="60190000000", text="Someone else's")
    counts = messages_count_by_status()
    assert counts["SENT"] == 2 and counts["QUEUED"] == 1 and counts["FAILED"] == 0 and len(counts) == 6
    history = list(message_history(user=user))
    assert [(m.channel, m.kind, m.status) for m in history] == [("EMAIL", "activation", "SENT"), ("SMS", "otp", "SENT")]


def test_staff_see_messages_without_their_bodies(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT, kind="otp")
    listing = admin_client.get("/admin/notifications/message/").content.decode()
    assert "60108877665" in listing and "otp" in listing
    page = admin_client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert str(message.reference) in page and "482913" not in page
    assert "body_encrypted" not in page and Message.objects.get().body_encrypted not in page
    assert admin_client.get("/admin/notifications/message/add/").status_code == 403


def test_the_worker_knows_the_message_tasks(django_capture_on_commit_callbacks):
    from config.celery import app
    from matrix.notifications import tasks

    app.loader.import_default_modules()
    assert {"matrix.notifications.tasks.message_send", "matrix.notifications.tasks.messages_sweep"} <= set(app.tasks)
    with django_capture_on_commit_callbacks(execute=False):
        message = sms_send(to="60108877665", text=CODE_TEXT)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert tasks.messages_sweep.delay().get() == {"requeued": 0, "failed": 0, "published": 1}
    assert Message.objects.get().status == Message.Status.SENT
