"""FPX's host answering too slowly in all, a byte at a time, each byte within the read timeout (a slow or hostile
host: requests' read timeout bounds each wait, not the answer), or answering far more than any FPX message: the
client gives up (GatewayError) instead of holding a re-query worker, and the payment stays Pending.

The host's slowness is the client's clock: each look at it while the bytes come in is 0.1 s later, and the host
sends its next bytes only after the client's next look, so the answer "takes" 6 s whatever the machine's load
(and however the client reads), and no byte is ever really late (the read timeout never fires)."""

import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from matrix.payments.fpx import client
from matrix.payments.fpx.exceptions import GatewayError
from matrix.payments.models import Payment
from matrix.payments.services.requery import payments_requery_run
from tests.payments.helpers import aged, pending_payment_make


class Trickle(BaseHTTPRequestHandler):
    """Answers 200 with `size` bytes, `per_write` at a time."""

    size, per_write = 60, 1
    looked = threading.Semaphore(0)

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(self.size))
        self.end_headers()
        try:
            for start in range(0, self.size, self.per_write):
                # The next bytes leave once the client has looked at its clock again (it reads what has come):
                # one write per look, however the machine schedules the two.
                if not self.looked.acquire(timeout=30):
                    return
                self.wfile.write(b"x" * min(self.per_write, self.size - start))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def trickling_host(monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ticks = itertools.count()
    looked = threading.Semaphore(0)
    monkeypatch.setattr(Trickle, "looked", looked)

    def monotonic():
        looked.release()
        return next(ticks) * 0.1

    # The client's own clock only (requests and the server keep the real one): 0.1 s a look, 60 bytes "take" 6 s.
    monkeypatch.setattr(client, "time", SimpleNamespace(monotonic=monotonic))
    monkeypatch.setattr(client, "ANSWER_SECONDS", 0.5)
    yield f"http://127.0.0.1:{server.server_address[1]}/enquiry/"
    server.shutdown()
    server.server_close()


def test_an_answer_trickling_in_past_the_deadline_is_given_up(trickling_host, monkeypatch):
    monkeypatch.setattr(Trickle, "size", 60)
    with pytest.raises(GatewayError, match="took more than"):
        client._post(trickling_host, {"fpx_msgType": "AE"})


def test_an_answer_larger_than_any_fpx_message_is_refused(trickling_host, monkeypatch):
    monkeypatch.setattr(Trickle, "size", client.ANSWER_MAX_BYTES * 2)
    monkeypatch.setattr(Trickle, "per_write", 16 * 1024)
    monkeypatch.setattr(client, "ANSWER_SECONDS", 10 ** 9)
    with pytest.raises(GatewayError, match="more than"):
        client._post(trickling_host, {"fpx_msgType": "AE"})


@pytest.mark.django_db
def test_a_re_query_run_against_a_trickling_host_keeps_the_payment_pending(trickling_host, settings):
    settings.FPX_ENQUIRY_URL = trickling_host
    payment = aged(pending_payment_make(), 2 * 60 * 60)
    counts = payments_requery_run()
    assert counts["errors"] == 1 and counts["settled"] == 0, counts
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.enquiry_count == 1
