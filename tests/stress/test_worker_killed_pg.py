"""A Celery worker killed (SIGKILL) in the middle of a payment's enquiry, on PostgreSQL with real workers on Redis:
the AE has been claimed and sent, FPX has not answered yet. The payment stays Pending (its owner sees Pending), a
second worker's scheduled run asks FPX again and settles it once, and the killed task, delivered again (acks_late),
finds nothing left to do: one Paid, one receipt number, one receipt email, two enquiries in the log.

(A worker killed mid-send of an SMS or email: tests/notifications/test_worker_pg.py.)"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from celery import Celery
from django.conf import settings as django_settings

from matrix.notifications.models import Message, OutboxMessage
from matrix.payments.fpx.messages import form_parse
from matrix.payments.models import FpxMessage, Payment
from tests.concurrency import wait_until
from tests.payments.helpers import aged, pending_payment_make
from tests.payments.test_worker_pg import REPO, _test_database_url
from tests.stress import scenarios
from tests.stress.scenarios import ac_signed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BROKER_URL = os.environ.get("PAYMENTS_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
TASKS = "matrix.payments.tasks"


class HangingFpx(BaseHTTPRequestHandler):
    """FPX's enquiry host: the first enquiry hangs (its worker is killed meanwhile), later ones are approved."""

    key = None
    asked: list[str] = []
    first_arrived = threading.Event()
    release = threading.Event()

    def do_POST(self):  # noqa: N802 - http.server's name
        fields = form_parse(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.asked.append(fields["fpx_sellerExOrderNo"])
        if len(self.asked) == 1:
            self.first_arrived.set()
            self.release.wait(60)
            return  # no answer: the asker is gone
        from django.db import connection
        from django.utils import timezone

        payment = Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"])
        connection.close()
        payload = ac_signed(payment, key=self.key, code="00", txn_id="2512271635080077",
                            approved_at=timezone.now()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def hanging_fpx(fpx_keys):
    HangingFpx.key, HangingFpx.asked = fpx_keys[0].key, []
    HangingFpx.first_arrived, HangingFpx.release = threading.Event(), threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), HangingFpx)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/enquiry/"
    HangingFpx.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def start_worker(fpx_keys, hanging_fpx, tmp_path):
    """Start `celery worker --pool=solo` processes on one queue of this test, pointed at the test database and
    the hanging FPX host; every one still running is stopped at the end."""
    fpx, seller = fpx_keys
    queue = f"stress-{uuid.uuid4().hex[:8]}"
    processes = []

    def start(name: str):
        env = {
            **os.environ, "DJANGO_SETTINGS_MODULE": "config.django.test", "CELERY_BROKER_URL": BROKER_URL,
            "DATABASE_URL": _test_database_url(), "FPX_CERT_PATHS": str(fpx.cert_path),
            "FPX_PRIVATE_KEY_PATH": str(seller.key_path), "FPX_SELLER_EX_ID": django_settings.FPX_SELLER_EX_ID,
            "FPX_SELLER_ID": django_settings.FPX_SELLER_ID, "FPX_ENQUIRY_URL": hanging_fpx,
            "FPX_REQUERY_AFTER_SECONDS": "60", "FPX_REQUERY_BACKOFF_SECONDS": "1",
        }
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
                 "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                 "-n", f"{name}-{queue}@%h"],
                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        processes.append(process)
        return process, log_path

    yield queue, start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _send(queue: str, task: str, *args) -> None:
    producer = Celery("stress-producer", broker=BROKER_URL, set_as_current=False)
    try:
        producer.send_task(f"{TASKS}.{task}", args=args, queue=queue)
    finally:
        producer.close()


def test_a_worker_killed_while_fpx_is_asked_loses_nothing_and_settles_once(start_worker):
    queue, start = start_worker
    row = scenarios.Row("Celery worker killed mid-enquiry", attempts=3, lost=1)  # until shown otherwise
    scenarios.ROWS.append(row)
    started = time.monotonic()
    payment = aged(pending_payment_make(), 2 * 60 * 60)
    first, first_log = start("killed")
    _send(queue, "payment_requery_one", payment.pk)
    wait_until(lambda: HangingFpx.first_arrived.is_set() or first.poll() is not None, timeout=120, interval=0.1,
               message=lambda: first_log.read_text(errors="replace"))
    assert first.poll() is None, first_log.read_text(errors="replace")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=20)
    HangingFpx.release.set()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.enquiry_count == 1  # claimed, never answered

    second, second_log = start("second")
    _send(queue, "payments_requery_pending")

    def settled():
        assert second.poll() is None, second_log.read_text(errors="replace")
        payment.refresh_from_db()
        return payment.status != Payment.Status.PENDING

    wait_until(settled, timeout=120, interval=0.2, message=lambda: second_log.read_text(errors="replace"))
    assert payment.status == Payment.Status.PAID and payment.receipt_no
    row.lost = 0
    # The killed task again (as the broker redelivers an unacknowledged task): nothing left to do.
    _send(queue, "payment_requery_one", payment.pk)
    wait_until(lambda: "not pending" in second_log.read_text(errors="replace"), timeout=60, interval=0.2,
               message=lambda: second_log.read_text(errors="replace"))
    receipts = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, subject__contains=payment.receipt_no)
    wait_until(receipts.exists, timeout=60, interval=0.2, message=lambda: second_log.read_text(errors="replace"))
    assert receipts.count() == 1
    assert Message.objects.filter(channel=Message.Channel.EMAIL).count() == 1
    assert HangingFpx.asked == [payment.seller_ex_order_no] * 2
    channels = list(FpxMessage.objects.filter(payment=payment).order_by("pk").values_list("channel", flat=True))
    assert channels == [FpxMessage.Channel.AR, FpxMessage.Channel.AE, FpxMessage.Channel.AE,
                        FpxMessage.Channel.AE_REPLY]
    row.seconds = time.monotonic() - started
    row.counts = {"enquiries": len(HangingFpx.asked), "paid": 1, "receipt emails": receipts.count()}
