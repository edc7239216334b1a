"""A local SMS gateway for development and tests, speaking the protocol of the HTTP adapter (backends.py).

    POST /                JSON {"to", "from", "text", "reference"}, header Authorization: Bearer <token>
      200 {"id": "dev-…", "status": "accepted"}   (the same id again for a reference it already took: no repeat)
      401 wrong token · 400 not JSON or a field missing
    GET  /                JSON list of the messages it took (to read a one-time code in development)

With `receipt_url` it calls back as a real gateway does: POST {"id", "status": "delivered", "reference"} with the
X-Receipt-Secret header, retried while the portal answers 409 (the message is still being recorded).

For tests it can fail on purpose: `fail(500, times=1)` answers an error, `stall(times=1)` holds the request
unanswered until `release()` (the client times out), `hold()` takes the next message and then holds the answer
until `release()` (a worker can be killed after the gateway took the message but before it learns the id).

Run it by hand with `python manage.py sms_devgateway --port 8025`."""

import itertools
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

logger = logging.getLogger(__name__)


class DevSmsGateway:
    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, token: str = "", receipt_url: str = "",
        receipt_secret: str = "", receipt_status: str = "delivered",
    ):
        self.token = token
        self.receipt_url = receipt_url
        self.receipt_secret = receipt_secret
        self.receipt_status = receipt_status
        self.messages: list[dict] = []  # each message it took, once
        self.requests: list[dict] = []  # every POST it received, repeats and failures included
        self.receipts: list[tuple[dict, int]] = []  # (receipt sent, portal's HTTP status)
        self._by_reference: dict[str, dict] = {}
        self._plan: list[tuple[str, int]] = []  # ("fail", status) | ("stall", 0) | ("hold", 0), one per request
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._released = threading.Event()
        self._stopping = threading.Event()
        self.waiting = threading.Event()  # set while a request is stalled or held
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with gateway._lock:
                    self._answer(200, list(gateway.messages))

            def do_POST(self):  # noqa: N802
                gateway._handle(self)

            def _answer(self, status: int, payload) -> None:
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timed out) meanwhile
                    pass

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- running ---------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> "DevSmsGateway":
        self._thread = threading.Thread(target=self._server.serve_forever, name="dev-sms-gateway", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._stopping.set()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "DevSmsGateway":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- failures on purpose ---------------------------------------------------------------------------------------

    def fail(self, status: int = 500, *, times: int = 1) -> None:
        with self._lock:
            self._plan += [("fail", status)] * times

    def stall(self, *, times: int = 1) -> None:
        with self._lock:
            self._plan += [("stall", 0)] * times

    def hold(self) -> None:
        with self._lock:
            self._plan.append(("hold", 0))

    def release(self) -> None:
        self._released.set()

    # --- the protocol ----------------------------------------------------------------------------------------------

    def _handle(self, handler) -> None:
        raw = handler.rfile.read(int(handler.headers.get("Content-Length", 0) or 0))
        if self.token and handler.headers.get("Authorization", "") != f"Bearer {self.token}":
            handler._answer(401, {"error": "unauthorized"})
            return
        try:
            data = json.loads(raw)
            fields = {name: str(data[name]) for name in ("to", "text")}
            fields["from"] = str(data.get("from", ""))
            fields["reference"] = str(data.get("reference", ""))
        except (ValueError, KeyError, TypeError):
            handler._answer(400, {"error": "expected JSON {to, from, text, reference}"})
            return
        with self._lock:
            self.requests.append(fields)
            step = self._plan.pop(0) if self._plan else ("accept", 0)
        if step[0] == "fail":
            handler._answer(step[1], {"error": "failing on purpose"})
            return
        if step[0] == "stall":
            self._wait_for_release()
            handler._answer(503, {"error": "stalled on purpose"})
            return
        message, repeat = self._accept(fields)
        if step[0] == "hold":
            self._wait_for_release()
        handler._answer(200, {"id": message["id"], "status": "accepted", "repeat": repeat})
        if self.receipt_url and not repeat:
            threading.Thread(target=self._receipt_send, args=(message,), daemon=True).start()

    def _wait_for_release(self) -> None:
        self.waiting.set()
        self._released.wait()
        if not self._stopping.is_set():
            self._released.clear()
        self.waiting.clear()

    def _accept(self, fields: dict) -> tuple[dict, bool]:
        with self._lock:
            known = self._by_reference.get(fields["reference"]) if fields["reference"] else None
            if known is not None:
                return known, True
            message = {**fields, "id": f"dev-{next(self._ids)}", "at": time.time()}
            self.messages.append(message)
            if fields["reference"]:
                self._by_reference[fields["reference"]] = message
            logger.info("dev SMS gateway took %s for %s", message["id"], fields["to"][:4] + "…")
            return message, False

    def _receipt_send(self, message: dict) -> None:
        receipt = {"id": message["id"], "status": self.receipt_status, "reference": message["reference"]}
        for _attempt in range(30):
            try:
                response = requests.post(
                    self.receipt_url, json=receipt, headers={"X-Receipt-Secret": self.receipt_secret}, timeout=10
                )
            except requests.RequestException:
                status = 0
            else:
                status = response.status_code
            if status != 409 and status != 0:
                break
            if self._stopping.wait(1):
                break
        with self._lock:
            self.receipts.append((receipt, status))
