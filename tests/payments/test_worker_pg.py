"""A real Celery worker (a subprocess on Redis) runs `payments_requery_pending`: it sends the AE to a stand-in
FPX enquiry host and settles the pending payment in the test database."""

import os
import subprocess
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.conf import settings as django_settings

from matrix.notifications.models import OutboxMessage
from matrix.payments.fpx.messages import form_parse, message_signed
from matrix.payments.models import FpxMessage, Payment
from tests.concurrency import wait_until
from tests.payments.fpxkit import body
from tests.payments.helpers import aged, pending_payment_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


BROKER_URL = os.environ.get("PAYMENTS_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
REPO = Path(__file__).resolve().parents[2]
TASK = "matrix.payments.tasks.payments_requery_pending"


class EnquiryStub(BaseHTTPRequestHandler):
    """FPX's enquiry host in miniature: answers every AE with an approved AC signed by the FPX test key."""

    key = None
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        fields = form_parse(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.received.append(fields)
        answer = {name: fields.get(name, "") for name in (
            "fpx_sellerExId", "fpx_sellerId", "fpx_sellerExOrderNo", "fpx_sellerOrderNo", "fpx_sellerTxnTime",
            "fpx_txnAmount", "fpx_txnCurrency", "fpx_buyerBankId", "fpx_msgToken")}
        answer.update({"fpx_msgType": "AC", "fpx_debitAuthCode": "00", "fpx_creditAuthCode": "00",
                       "fpx_debitAuthNo": "15733223", "fpx_creditAuthNo": "9999999999",
                       "fpx_fpxTxnId": "2512271635080009", "fpx_fpxTxnTime": "20251227163508",
                       "fpx_buyerBankBranch": "AFFIN BANK", "fpx_buyerName": "SITI BINTI HASSAN"})
        payload = body(message_signed(answer, "AC", self.key)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def enquiry_stub(fpx_keys):
    EnquiryStub.key = fpx_keys[0].key
    EnquiryStub.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), EnquiryStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/enquiry/"
    server.shutdown()
    server.server_close()


def _test_database_url() -> str:
    db = django_settings.DATABASES["default"]
    credentials = quote(db["USER"] or "postgres", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(fpx_keys, enquiry_stub, tmp_path):
    """`celery -A config worker --pool=solo` on a queue of its own, pointed at this test's database."""
    fpx, seller = fpx_keys
    queue = f"payments-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.test",
        "CELERY_BROKER_URL": BROKER_URL,
        "DATABASE_URL": _test_database_url(),
        "FPX_CERT_PATHS": str(fpx.cert_path),
        "FPX_PRIVATE_KEY_PATH": str(seller.key_path),
        "FPX_SELLER_EX_ID": django_settings.FPX_SELLER_EX_ID,
        "FPX_SELLER_ID": django_settings.FPX_SELLER_ID,
        "FPX_ENQUIRY_URL": enquiry_stub,
        "FPX_REQUERY_AFTER_SECONDS": "60",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-n", f"{queue}@%h"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        yield queue, process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        assert process.poll() is not None


def test_real_worker_requeries_and_settles_a_pending_payment(worker, enquiry_stub):
    queue, process, log_path = worker
    pending = aged(pending_payment_make(), 3600)
    young = pending_payment_make()  # opened a moment ago: the person may still be at the bank

    producer = Celery("payments-test-producer", broker=BROKER_URL, set_as_current=False)
    try:
        producer.send_task(TASK, queue=queue)
    finally:
        producer.close()

    def settled():
        assert process.poll() is None, log_path.read_text(errors="replace")
        pending.refresh_from_db()
        return pending.status != Payment.Status.PENDING

    def worker_log():
        return log_path.read_text(errors="replace")

    wait_until(settled, timeout=120, interval=0.2, message=worker_log)
    assert pending.status == Payment.Status.PAID, worker_log()
    assert pending.receipt_no and pending.fpx_txn_id == "2512271635080009"
    assert pending.contribution.__class__.objects.get(pk=pending.contribution_id).state == "PAID"
    # The receipt email leaves after the settlement commits (on_commit, then the message's own task): wait for it.
    receipts = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL, subject__contains=pending.receipt_no)
    wait_until(receipts.exists, timeout=60, interval=0.2, message=worker_log)
    assert receipts.count() == 1
    young.refresh_from_db()
    assert young.status == Payment.Status.PENDING
    assert [fields["fpx_sellerExOrderNo"] for fields in EnquiryStub.received] == [pending.seller_ex_order_no]
    channels = list(FpxMessage.objects.filter(payment=pending).values_list("channel", flat=True))
    assert channels == [FpxMessage.Channel.AR, FpxMessage.Channel.AE, FpxMessage.Channel.AE_REPLY]
