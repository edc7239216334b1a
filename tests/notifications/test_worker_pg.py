"""Durable messages with a real Celery worker (a subprocess on Redis) against the PostgreSQL test database, the
local SMS gateway and a real SMTP server: a worker killed mid-send, a broker outage during sign-up, retries."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from matrix.notifications.models import Message, OutboxMessage
from matrix.notifications.services import messages_sweep, sms_send
from tests.notifications.conftest import BROKER_URL, celery_broker, closed_broker_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[2]
DEADLINE = 120


def _test_database_url() -> str:
    db = django_settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(condition, *, what: str, workers=()):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for worker in workers:
            assert worker.process.poll() is None, worker.log()
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}" + "".join(worker.log() for worker in workers))


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process, self.log_path = process, log_path

    def log(self) -> str:
        return "\n--- worker log ---\n" + self.log_path.read_text(errors="replace")[-5000:]


@pytest.fixture
def queue(settings):
    """A queue of this test's own on the shared broker; the portal (this process) publishes to it."""
    name = f"messages-test-{uuid.uuid4().hex[:8]}"
    settings.MESSAGES_QUEUE = name
    return name


@pytest.fixture
def start_worker(queue, gateway, smtp_server, tmp_path):
    """Start `celery -A config worker --pool=solo` on the test's queue; every worker started is stopped."""
    controller, _collector = smtp_server
    started: list[Worker] = []

    def start(**extra_env) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "CELERY_BROKER_URL": BROKER_URL,
            "DATABASE_URL": _test_database_url(),
            "SMS_GATEWAY_URL": gateway.url,
            "SMS_GATEWAY_TOKEN": "gateway-token",
            "SMS_GATEWAY_TIMEOUT": "1",
            "EMAIL_PORT": str(controller.port),
            "MESSAGES_QUEUE": queue,
            **extra_env,
        }
        log_path = tmp_path / f"worker-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"{queue}-{len(started)}@%h"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        worker = Worker(process, log_path)
        started.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.process.terminate()
                try:
                    worker.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.process.kill()
                    worker.process.wait(timeout=10)
            assert worker.process.poll() is not None
        import redis

        redis.Redis.from_url(BROKER_URL).delete(queue)


def _status(message_id: int) -> str:
    return Message.objects.get(pk=message_id).status


def test_a_worker_killed_mid_send_loses_no_message_and_sends_none_twice(start_worker, gateway):
    gateway.hold()  # the gateway takes the first message, then holds its answer
    first = start_worker()
    with celery_broker(BROKER_URL):
        messages = [sms_send(to=f"6010887766{n}", text=f"Message {n}", event_key=f"kill-test:{n}") for n in range(3)]

    wait_for(gateway.waiting.is_set, what="the gateway to hold the first message", workers=[first])
    [held] = Message.objects.filter(status=Message.Status.SENDING)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=30)
    gateway.release()
    assert _status(held.pk) == Message.Status.SENDING  # the killed worker never learnt the gateway's answer

    second = start_worker()
    # The two messages the first worker had not reserved are still in the queue: the second worker sends them.
    others = [m.pk for m in messages if m.pk != held.pk]
    wait_for(lambda: all(_status(pk) == Message.Status.SENT for pk in others), what="the queued messages",
             workers=[second])
    # Once the lease runs out, the sweep puts the lost message back on the queue.
    claimed_at = Message.objects.get(pk=held.pk).claimed_at
    lease = django_settings.MESSAGES_LEASE_SECONDS
    with celery_broker(BROKER_URL):
        assert messages_sweep(now=claimed_at + _seconds(lease - 1))["requeued"] == 0
        assert messages_sweep(now=claimed_at + _seconds(lease + 1))["requeued"] == 1
    wait_for(lambda: _status(held.pk) == Message.Status.SENT, what="the lost message", workers=[second])

    held.refresh_from_db()
    assert held.attempts == 2 and held.body_encrypted == ""
    # The gateway took each message once: the repeat carried the same reference and got the same id back.
    assert sorted(taken["text"] for taken in gateway.messages) == ["Message 0", "Message 1", "Message 2"]
    assert [r["reference"] for r in gateway.requests].count(str(held.reference)) == 2
    assert held.provider_id == next(t["id"] for t in gateway.messages if t["reference"] == str(held.reference))
    assert Message.objects.count() == 3


def _seconds(value: int):
    from datetime import timedelta

    return timedelta(seconds=value)


def test_the_worker_retries_a_failing_gateway_and_fails_after_the_last_attempt(start_worker, gateway, settings):
    settings.MESSAGES_RETRY_SCHEDULE = [1, 1]
    settings.MESSAGES_SWEEP_GRACE_SECONDS = 60
    worker = start_worker(MESSAGES_RETRY_SCHEDULE="1,1")
    gateway.fail(500)
    gateway.stall()
    with celery_broker(BROKER_URL):
        recovers = sms_send(to="60108877665", text="Recovers")

        def swept_until(message_id, status, attempts=None):
            messages_sweep()  # beat's job; each retry becomes due one second after its failure
            message = Message.objects.get(pk=message_id)
            return message.status == status and (attempts is None or message.attempts == attempts)

        # Attempt 1: HTTP 500. Attempt 2: the gateway stalls and the worker's request times out.
        wait_for(lambda: swept_until(recovers.pk, Message.Status.QUEUED, attempts=2), what="the timed-out attempt",
                 workers=[worker])
        assert Message.objects.get(pk=recovers.pk).last_error == "SMS gateway timed out after 1 s"
        gateway.release()
        wait_for(lambda: swept_until(recovers.pk, Message.Status.SENT), what="delivery", workers=[worker])
        recovers.refresh_from_db()
        assert recovers.attempts == 3 and [t["text"] for t in gateway.messages] == ["Recovers"]

        gateway.fail(500, times=3)
        fails = sms_send(to="60108877665", text="Never goes")
        wait_for(lambda: swept_until(fails.pk, Message.Status.FAILED), what="failure", workers=[worker])
    fails.refresh_from_db()
    assert fails.attempts == 3 and fails.last_error == "SMS gateway answered HTTP 500" and fails.body_encrypted == ""
    assert [t["text"] for t in gateway.messages] == ["Recovers"]


def _message_table() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM notifications_message")
        return repr(cursor.fetchall())


def test_sign_up_with_the_broker_down_then_back_and_no_code_in_clear(start_worker, gateway, smtp_server, settings):
    from django.test import Client

    from tests.accounts.helpers import EMAIL, MOBILE, signup_data

    _controller, collector = smtp_server
    client = Client()
    with celery_broker(closed_broker_url()):
        response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/verify/"
    message = Message.objects.get()
    assert message.status == Message.Status.QUEUED and message.recipient == MOBILE
    while_queued = _message_table()

    worker = start_worker()
    with celery_broker(BROKER_URL):  # the broker is back: the sweep publishes what the outage left behind
        assert messages_sweep(now=message.next_attempt_at)["published"] == 1
    wait_for(lambda: _status(message.pk) == Message.Status.SENT, what="the OTP", workers=[worker])
    [taken] = gateway.messages
    code = re.search(r"\b(\d{6})\b", taken["text"]).group(1)
    assert taken["to"] == MOBILE
    assert code not in while_queued and code not in _message_table()
    assert not OutboxMessage.objects.exists()

    with celery_broker(BROKER_URL):  # production-like from here on: published at commit, sent by the worker
        response = client.post("/accounts/signup/verify/", {"code": code})
    assert response.status_code == 302
    email = Message.objects.get(channel=Message.Channel.EMAIL)
    wait_for(lambda: collector.envelopes, what="the activation email", workers=[worker])
    assert collector.envelopes[0].rcpt_tos == [EMAIL]
    parsed = message_from_bytes(collector.envelopes[0].content, policy=policy.default)
    token = re.search(r"/accounts/activate/([\w-]+)/", parsed.get_body(("plain",)).get_content()).group(1)
    wait_for(lambda: _status(email.pk) == Message.Status.SENT, what="the email row", workers=[worker])
    assert token not in _message_table() and token not in while_queued
