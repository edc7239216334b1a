"""The stress scenarios (issue 15), shared by the bounded tests in this folder (CI) and `make stress` (full sizes).

Each scenario builds its payments through the real services, throws FPX's messages (or FPX's faults) at the portal
with real concurrency (a threaded WSGI server on a free port, one database connection per request, and sender
threads with connections of their own), then checks what the database holds and returns a `Row`: attempts
(messages or actions sent), failures (server errors, unexpected answers, broken invariants), lost items
(payments not settled as FPX said, receipts or messages missing; must be 0) and the time it took.

The scenarios need a transactional test database (`django_db(transaction=True)`), FPX's test key (`fpx_key`) and
the settings of tests/stress/conftest.py. Sizes come from the caller; `make stress` sets STRESS_FULL=1.
"""

import http.client
import logging
import os
import queue
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
from django.db import connection
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.notifications.models import OutboxMessage
from matrix.payments.fpx.messages import message_signed, time_format
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle_body
from tests.payments.fpxkit import SELLER_EX_ID, SELLER_ID
from tests.payments.helpers import pending_payment_make

Channel = FpxMessage.Channel
Status = Payment.Status

FULL = os.environ.get("STRESS_FULL", "") in ("1", "true", "yes")
REFUSALS = ("51", "BC", "1M", "05")  # final refusals FPX answers with (insufficient funds, cancelled, timeout...)


@dataclass
class Row:
    """One line of the stress table."""

    scenario: str
    attempts: int = 0
    failures: int = 0
    lost: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def fail(self, note: str) -> None:
        self.failures += 1
        if len(self.notes) < 20:
            self.notes.append(note)

    def line(self) -> str:
        return f"{self.scenario:<44} {self.attempts:>9} {self.failures:>9} {self.lost:>6} {self.seconds:>9.1f}"

    def summary(self) -> str:
        counts = ", ".join(f"{name} {value}" for name, value in self.counts.items())
        notes = "".join(f"\n    ! {note}" for note in self.notes)
        return f"{self.line()}\n    {counts}{notes}"


TABLE_HEADER = f"{'scenario':<44} {'attempts':>9} {'failures':>9} {'lost':>6} {'time (s)':>9}"
ROWS: list[Row] = []  # every row of this session, printed as the table at the end (tests/stress/conftest.py)


def table(rows: Iterable[Row]) -> str:
    return "\n".join([TABLE_HEADER, "-" * len(TABLE_HEADER), *(row.summary() for row in rows)])


@contextmanager
def quiet_logs():
    """Thousands of expected warnings (an enquiry answered 09 after the payment was paid...) cost time and hide
    the table; errors still show."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


# --- a live portal -------------------------------------------------------------------------------------------------

class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the table says what happened
        pass


class _Server(ThreadedWSGIServer):
    request_queue_size = 128  # every sender may connect at once (the default backlog is 10)


class LivePortal:
    """The portal's WSGI application on a free local port, one thread and one database connection per request
    (closed when the request ends), as under gunicorn's threads. Use as a context manager."""

    def __init__(self):
        self.server = _Server(("127.0.0.1", 0), _QuietHandler, allow_reuse_address=False)
        self.server.set_app(WSGIHandler())
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="live-portal")

    def __enter__(self) -> "LivePortal":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(30)

    def post(self, path: str, body: str) -> tuple[int, str, str]:
        """POST a urlencoded body; (status, body text, Location)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("POST", path, body=body.encode(), headers={
                "Host": "testserver", "Content-Type": "application/x-www-form-urlencoded", "Connection": "close"})
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace"), response.getheader("Location") or ""
        finally:
            conn.close()


def run_in_threads(jobs: list[Callable[[], None]], *, threads: int) -> list[BaseException]:
    """Run the jobs from a shared queue in `threads` threads (each with its own database connection, closed at
    the end); the exceptions they raised."""
    work: queue.SimpleQueue = queue.SimpleQueue()
    for job in jobs:
        work.put(job)
    errors: list[BaseException] = []

    def drain() -> None:
        try:
            while True:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    job()
                except BaseException as exc:  # noqa: BLE001 - counted as a failure by the caller
                    errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=drain, daemon=True, name=f"stress-{index}") for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(900)
    if any(worker.is_alive() for worker in workers):
        errors.append(TimeoutError("a sender thread did not finish within 900 s"))
    return errors


# --- FPX's messages ------------------------------------------------------------------------------------------------

def ac_signed(payment: Payment, *, key, code: str, txn_id: str, approved_at) -> str:
    """The urlencoded AC FPX sends about `payment` with `code`, signed with FPX's key."""
    approved = code == "00"
    fields = {
        "fpx_msgType": "AC", "fpx_msgToken": "01", "fpx_sellerExId": SELLER_EX_ID, "fpx_sellerId": SELLER_ID,
        "fpx_sellerExOrderNo": payment.seller_ex_order_no, "fpx_sellerOrderNo": payment.seller_order_no,
        "fpx_sellerTxnTime": payment.seller_txn_time, "fpx_txnAmount": f"{payment.amount:.2f}",
        "fpx_txnCurrency": "MYR", "fpx_debitAuthCode": code, "fpx_debitAuthNo": "15733223" if approved else "",
        "fpx_creditAuthCode": "00" if approved else "", "fpx_creditAuthNo": "9999999999" if approved else "",
        "fpx_fpxTxnId": txn_id, "fpx_fpxTxnTime": time_format(approved_at), "fpx_buyerBankId": "ABB0233",
        "fpx_buyerBankBranch": "AFFIN BANK", "fpx_buyerName": "SITI BINTI HASSAN", "fpx_buyerId": "",
        "fpx_buyerIban": "", "fpx_makerName": "",
    }
    return urlencode(message_signed(fields, "AC", key))


def payments_open(count: int) -> list[Payment]:
    """`count` Pending payments, each of its own person and contribution, opened through payment_start."""
    return [pending_payment_make() for _ in range(count)]


# --- the callback storm --------------------------------------------------------------------------------------------

def callback_storm(*, payments: int, key, seed: int = 15, copies: tuple[int, int] = (5, 20), senders: int = 12,
                   approve_share: float = 0.8) -> Row:
    """`payments` Pending payments; FPX approves about `approve_share` of them and refuses the rest. Each one's
    direct AC is sent `copies` (5 to 20) times, its indirect AC 1 to 2 times, and 1 to 3 AE answers (an earlier
    "09 pending", or the final answer) are settled, all shuffled together and sent at once by `senders` threads:
    the direct and indirect ACs over HTTP to the live portal, the AE answers through the re-query's settlement.

    Checked: every direct AC answered OK, every indirect AC sent to PAYMENT DETAILS, no server error; each payment
    ends as FPX said (lost: an approved payment not Paid, a refused one not Failed), one receipt number and one
    receipt email per approved payment, each contribution covered once, no refund; and no status regression: each
    payment's log shows at most one settling message, after which every message is a duplicate."""
    rng = random.Random(seed)
    row = Row(f"callback storm ({payments} payments)")
    setup_started = time.monotonic()
    opened = payments_open(payments)
    started = time.monotonic()
    row.counts["opening the payments (s)"] = round(started - setup_started, 1)
    plan: dict[int, str] = {}
    groups: list[list[tuple[int, str, str]]] = []  # (payment id, channel, body), a few payments per group
    sent: Counter = Counter()
    group_size = max(1, senders // 4)  # the copies of about 3 payments race in the senders at any moment
    for index, payment in enumerate(opened):
        final = "00" if rng.random() < approve_share else rng.choice(REFUSALS)
        plan[payment.pk] = final
        txn_id = f"{time_format(timezone.now())[2:]}{index % 10000:04d}"
        final_body = ac_signed(payment, key=key, code=final, txn_id=txn_id, approved_at=timezone.now())
        pending_body = ac_signed(payment, key=key, code="09", txn_id=txn_id, approved_at=timezone.now())
        mine = [(payment.pk, Channel.AC_DIRECT, final_body)] * rng.randint(*copies)
        mine += [(payment.pk, Channel.AC_INDIRECT, final_body)] * rng.randint(1, 2)
        mine += [(payment.pk, Channel.AE_REPLY, rng.choice((final_body, pending_body)))
                 for _ in range(rng.randint(1, 3))]
        for payment_id, channel, _body in mine:
            sent[(payment_id, channel)] += 1
        if index % group_size == 0:
            groups.append([])
        groups[-1] += mine
    rng.shuffle(groups)
    jobs = []
    for group in groups:  # random order inside a group: direct, indirect and AE answers of its payments mixed
        rng.shuffle(group)
        jobs += group
    row.attempts = len(jobs)
    answers: Counter = Counter()
    problems: list[str] = []

    with quiet_logs(), LivePortal() as portal:
        def send(payment_id: int, channel: str, raw: str) -> None:
            if channel == Channel.AE_REPLY:
                result = payment_settle_body(raw_body=raw, channel=channel)
                answers["AE accepted" if result.accepted else "AE refused"] += 1
                if not result.accepted:
                    problems.append(f"AE answer for payment {payment_id} refused: {result.outcome}")
                return
            path = "/payments/fpx/direct/" if channel == Channel.AC_DIRECT else "/payments/fpx/indirect/"
            status, text, location = portal.post(path, raw)
            answers[f"HTTP {status}"] += 1
            if channel == Channel.AC_DIRECT and (status, text) != (200, "OK"):
                problems.append(f"direct AC for payment {payment_id}: HTTP {status} {text[:80]!r}")
            if channel == Channel.AC_INDIRECT and (status != 302 or f"/payments/{payment_id}/" not in location):
                problems.append(f"indirect AC for payment {payment_id}: HTTP {status} -> {location!r}")

        errors = run_in_threads(
            [lambda job=job: send(*job) for job in jobs], threads=senders)
    for error in errors:
        row.fail(f"sender raised {error!r}")
    for problem in problems:
        row.fail(problem)

    _storm_check(row, plan=plan, sent=sent)
    row.counts = {"messages": len(jobs), **answers, **row.counts}  # the time column is the storm itself
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row


def _storm_check(row: Row, *, plan: dict[int, str], sent: Counter) -> None:
    approved = {pk for pk, code in plan.items() if code == "00"}
    payments = {payment.pk: payment for payment in Payment.objects.filter(pk__in=plan)}
    status = Counter(payment.status for payment in payments.values())
    for pk, code in plan.items():
        want = Status.PAID if code == "00" else Status.FAILED
        if payments[pk].status != want:
            row.lost += 1
            row.fail(f"payment {pk}: FPX said {code}, the payment is {payments[pk].status}")
    receipt_nos = [payments[pk].receipt_no for pk in approved if payments[pk].receipt_no]
    if len(set(receipt_nos)) != len(receipt_nos):
        row.fail("a receipt number was given twice")
    refused_with_receipt = [pk for pk in plan if pk not in approved and payments[pk].receipt_no]
    for pk in refused_with_receipt:
        row.fail(f"refused payment {pk} has a receipt number")
    # One receipt email per approved payment (sent after the settlement commits).
    emails = Counter()
    subjects = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).values_list("subject", flat=True)
    by_no = {payments[pk].receipt_no: pk for pk in approved if payments[pk].receipt_no}
    for subject in subjects:
        number = subject.rsplit(" ", 1)[-1]
        if number in by_no:
            emails[by_no[number]] += 1
    for pk in approved:
        if emails[pk] == 0:
            row.lost += 1
            row.fail(f"payment {pk}: no receipt email")
        elif emails[pk] > 1:
            row.fail(f"payment {pk}: {emails[pk]} receipt emails")
    # Cover: each approved payment's contribution paid once, from one approval; refused ones untouched.
    contributions = Contribution.objects.filter(payments__pk__in=plan).values_list("pk", "state", "start_at")
    by_contribution = {pk: (state, start) for pk, state, start in contributions}
    for pk in plan:
        state, start = by_contribution[payments[pk].contribution_id]
        if (pk in approved) != (state == Contribution.State.PAID and start is not None):
            row.fail(f"payment {pk} ({plan[pk]}): contribution is {state}")
    paid_per_contribution = Counter(payments[pk].contribution_id for pk in plan if payments[pk].status == Status.PAID)
    doubles = [pk for pk, count in paid_per_contribution.items() if count > 1]
    for pk in doubles:
        row.fail(f"contribution {pk} paid {paid_per_contribution[pk]} times")
    refunds = Refund.objects.filter(payment__pk__in=plan).count()
    if refunds:
        row.fail(f"{refunds} refunds opened (no payment was approved twice)")
    # Every message logged, and at most one settling message per payment, every later one a duplicate.
    logged = Counter()
    history = defaultdict(list)
    for payment_id, channel, outcome in (FpxMessage.objects.filter(payment__pk__in=plan)
                                         .exclude(channel__in=(Channel.AR, Channel.AE))
                                         .order_by("pk").values_list("payment_id", "channel", "outcome")):
        logged[(payment_id, channel)] += 1
        history[payment_id].append(outcome)
    for key, count in sent.items():
        if logged[key] != count:
            row.lost += abs(count - logged[key])
            row.fail(f"payment {key[0]} {key[1]}: sent {count}, logged {logged[key]}")
    regressions = 0
    for pk, outcomes in history.items():
        settling = [index for index, outcome in enumerate(outcomes)
                    if outcome == "paid" or outcome.startswith("failed:")]
        if len(settling) != 1 or any(not outcome.startswith("duplicate") for outcome in outcomes[settling[0] + 1:]):
            regressions += 1
            row.fail(f"payment {pk}: settled {len(settling)} times, log {outcomes[:6]}...")
    row.counts.update({
        "payments": len(plan), "approved": len(approved), "paid": status[Status.PAID],
        "failed": status[Status.FAILED], "pending": status[Status.PENDING], "receipt numbers": len(set(receipt_nos)),
        "receipt emails": sum(emails.values()), "double settlements": regressions + len(doubles),
        "refunds": refunds,
    })


# --- FPX's host down, slow, failing, answering garbage ---------------------------------------------------------

class FpxHost:
    """FPX's enquiry host in miniature, on a free local port: answers each AE with the AC of what FPX knows of the
    order (`truth`: seller exchange order number -> (code, FPX transaction id)), unless `mode` says otherwise:
    "slow" (holds each answer until `slow_release()`, called once the portal has given up waiting: past the
    client's timeout whatever the machine's load), "error" (HTTP 503), "garbage" (a rotating
    set of bad answers: an HTML page, binary bytes, a truncated AC, an AC signed with another key, an empty
    body). "down" is not a mode: the portal is pointed at a port nobody listens on (`down_url`)."""

    def __init__(self, *, key, forged_key):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.key, self.forged_key = key, forged_key
        self.truth: dict[str, tuple[str, str]] = {}
        self.mode = "normal"
        self._slow_released = threading.Event()
        self.asked: Counter = Counter()
        self._garbage = 0
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, payload = host.answer(raw)
                if status is None:
                    return
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # "slow": the portal stopped waiting long ago

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/enquiry/"
        import socket

        with socket.socket() as sock:  # a port that was free a moment ago and that nobody listens on
            sock.bind(("127.0.0.1", 0))
            self.down_url = f"http://127.0.0.1:{sock.getsockname()[1]}/enquiry/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="fpx-host")

    def __enter__(self) -> "FpxHost":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.slow_release()
        self.server.shutdown()
        self.server.server_close()

    def slow_release(self) -> None:
        """Let the held "slow" answers go (to a portal that stopped waiting for them)."""
        self._slow_released.set()

    def answer(self, raw: bytes) -> tuple[int | None, bytes]:
        from matrix.payments.fpx.messages import form_parse

        fields = form_parse(raw)
        ex_order_no = fields.get("fpx_sellerExOrderNo", "")
        self.asked[self.mode] += 1
        if self.mode == "error":
            return 503, b"<html><body>Service Unavailable</body></html>"
        payment = Payment.objects.get(seller_ex_order_no=ex_order_no)
        connection.close()  # this server thread's connection, before any wait
        code, txn_id = self.truth[ex_order_no]
        good = ac_signed(payment, key=self.key, code=code, txn_id=txn_id, approved_at=timezone.now())
        if self.mode == "slow":
            self._slow_released.wait()
        if self.mode == "garbage":
            self._garbage += 1
            return 200, [
                b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>",
                bytes(range(256)),
                good[: len(good) // 2].encode(),
                ac_signed(payment, key=self.forged_key, code="00", txn_id=txn_id,
                          approved_at=timezone.now()).encode(),
                b"",
                b"fpx_msgType=XX&fpx_debitAuthCode=00&fpx_sellerExOrderNo=" + ex_order_no.encode(),
            ][self._garbage % 6]
        return 200, good.encode()


def _status_shown(client, payment: Payment) -> tuple[int, str]:
    """What PAYMENT DETAILS shows its owner: (HTTP status, the status badge's text)."""
    import re

    client.force_login(payment.contribution.registration.person.user)
    response = client.get(f"/payments/{payment.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    found = re.search(r'data-testid="payment-status"><span class="badge[^"]*">([^<]+)<',
                      response.content.decode(errors="replace"))
    return response.status_code, found.group(1).strip() if found else ""


def fpx_host_faults(*, payments_per_fault: int, key, forged_key, staff_user, seed: int = 15,
                    runs_per_fault: int = 1) -> Row:
    """Pending payments whose direct AC was lost (their AR two hours old), while FPX's enquiry host is down, slow,
    failing (503) or answering garbage: `runs_per_fault` scheduled re-query runs and the owner's PAYMENT DETAILS
    page. Throughout, every payment stays Pending (never a false Failed or Paid) and the page says so. Some were
    already at the end of their bounded life (3 days) while the host was down: they go to Needs attention.
    Then the host recovers: one re-query run settles every Pending payment as FPX says; staff settle those that
    need attention with FPX's evidence (Needs attention); FPX's late direct ACs for them are duplicates. Lost:
    a payment not settled as FPX said, or an approved payment without exactly one receipt email."""
    from django.conf import settings
    from django.test import Client, override_settings

    from matrix.backoffice.services.attention import attention_close_failed, attention_settle_paid
    from matrix.payments.fpx import client as fpx_client
    from matrix.payments.services.requery import payments_requery_run
    from tests.payments.helpers import aged

    rng = random.Random(seed)
    faults = ("down", "slow", "error", "garbage")
    row = Row(f"FPX host down/slow/503/garbage ({payments_per_fault * 5} payments)")
    started = time.monotonic()
    browser = Client()
    groups: dict[str, list[Payment]] = {}
    for fault in (*faults, "overdue"):
        age = settings.FPX_PENDING_MAX_AGE_SECONDS + 60 if fault == "overdue" else 2 * 60 * 60
        groups[fault] = [aged(payment, age) for payment in payments_open(payments_per_fault)]
    every = [payment for group in groups.values() for payment in group]
    with FpxHost(key=key, forged_key=forged_key) as host, quiet_logs(), override_settings(
            FPX_ENQUIRY_URL=None, FPX_REQUERY_BACKOFF_SECONDS=[0]):
        for index, payment in enumerate(every):
            code = "00" if rng.random() < 0.75 else rng.choice(REFUSALS)
            host.truth[payment.seller_ex_order_no] = (code, f"{time_format(timezone.now())[2:]}{index:04d}")
        timeout = fpx_client.TIMEOUT
        for fault in faults:
            mode_url = host.down_url if fault == "down" else host.url
            host.mode = "normal" if fault == "down" else fault
            fpx_client.TIMEOUT = (1.0, 0.3) if fault == "slow" else timeout
            try:
                with override_settings(FPX_ENQUIRY_URL=mode_url):
                    targets = groups[fault] + (groups["overdue"] if fault == "down" else [])
                    for _ in range(runs_per_fault):
                        counts = payments_requery_run()
                        row.attempts += counts["queried"] + counts["errors"]
                        if counts["settled"]:
                            row.fail(f"{fault}: a re-query run settled {counts['settled']} payments")
                        for payment in targets:
                            shown_code, shown = _status_shown(browser, payment)
                            row.attempts += 1
                            want = "Needs attention" if payment in groups["overdue"] else "Pending"
                            if shown_code != 200 or shown != want:
                                row.fail(f"{fault}: payment {payment.pk} shown HTTP {shown_code} {shown!r}")
            finally:
                fpx_client.TIMEOUT = timeout
                if fault == "slow":
                    host.slow_release()
            for payment in targets:
                payment.refresh_from_db()
                want = Status.NEEDS_ATTENTION if payment in groups["overdue"] else Status.PENDING
                if payment.status != want:
                    row.fail(f"{fault}: payment {payment.pk} is {payment.status} while FPX cannot answer")
        # Recovery: the host answers again.
        host.mode = "normal"
        with override_settings(FPX_ENQUIRY_URL=host.url):
            counts = payments_requery_run()
            row.attempts += counts["queried"]
        for payment in groups["overdue"]:  # staff, with FPX's evidence, through Needs attention
            code, txn_id = host.truth[payment.seller_ex_order_no]
            if code == "00":
                attention_settle_paid(payment_id=payment.pk, fpx_txn_id=txn_id, approved_at=timezone.now(),
                                      staff_user=staff_user)
            else:
                attention_close_failed(payment_id=payment.pk, staff_user=staff_user)
            row.attempts += 1
            late = ac_signed(payment, key=key, code=code, txn_id=txn_id, approved_at=timezone.now())
            result = payment_settle_body(raw_body=late, channel=Channel.AC_DIRECT)
            row.attempts += 1
            if not result.outcome.startswith("duplicate"):
                row.fail(f"late direct AC for payment {payment.pk} after staff settled it: {result.outcome}")
        row.counts.update({f"AE {mode}": count for mode, count in host.asked.items()})
        truth = {payment.pk: host.truth[payment.seller_ex_order_no][0] for payment in every}
    _settled_check(row, truth=truth, browser=browser)
    row.counts["refused answers logged"] = FpxMessage.objects.filter(
        channel=Channel.AE_REPLY, outcome__startswith="refused").count()
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row


def _settled_check(row: Row, *, truth: dict[int, str], browser) -> None:
    """Every payment settled as FPX said, shown so to its owner; one receipt email per approved payment."""
    payments = {payment.pk: payment for payment in Payment.objects.filter(pk__in=truth)}
    for pk, code in truth.items():
        payment = payments[pk]
        want = Status.PAID if code == "00" else Status.FAILED
        if payment.status != want:
            row.lost += 1
            row.fail(f"payment {pk}: FPX said {code}, the payment is {payment.status}")
            continue
        shown_code, shown = _status_shown(browser, payment)
        if shown_code != 200 or shown != want.label:
            row.fail(f"payment {pk} ({payment.status}) shown HTTP {shown_code} {shown!r}")
        if code == "00":
            emails = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL,
                                                  subject__endswith=f" {payment.receipt_no}").count()
            if emails != 1:
                row.lost += emails == 0
                row.fail(f"payment {pk}: {emails} receipt emails")
    status = Counter(payment.status for payment in payments.values())
    row.counts.update({"payments": len(truth), "approved": sum(code == "00" for code in truth.values()),
                       "paid": status[Status.PAID], "failed": status[Status.FAILED],
                       "still open": status[Status.PENDING] + status[Status.NEEDS_ATTENTION]})


# --- races from several sessions -------------------------------------------------------------------------------

def _sessions(user, count: int, **session_data):
    """`count` test clients signed in as `user`, each with a session of its own holding `session_data`."""
    from django.test import Client

    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        if session_data:
            session = client.session
            session.update(session_data)
            session.save()
        clients.append(client)
    return clients


def _race_posts(clients, url: str, data: dict | None = None) -> list:
    """The same POST from every client at once (one thread and database connection each); responses or
    exceptions, in client order."""
    from functools import partial

    from tests.concurrency import race

    return race(*[partial(client.post, url, data or {}) for client in clients], timeout=120)


def _answered_cleanly(row: Row, what: str, outcomes: list, *, ok: Callable[[object], bool]) -> None:
    """Count each session's answer (HTTP status) in the row; an exception, a server error or an answer `ok`
    does not accept is a failure."""
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            row.fail(f"{what}: raised {outcome!r}")
            continue
        row.counts[f"HTTP {outcome.status_code}"] = row.counts.get(f"HTTP {outcome.status_code}", 0) + 1
        if outcome.status_code >= 500 or not ok(outcome):
            row.fail(f"{what}: HTTP {outcome.status_code} {outcome.get('Location', '')!r}")


def race_registration_submit(*, rounds: int, sessions: int) -> Row:
    """A new person's Submit & Pay of one sector from `sessions` sessions at once (the same checked answers in
    each): one person, one registration, one contribution; every session is sent on to its payment."""
    from matrix.registrations import drafts
    from matrix.registrations.models import Registration, SelfEmployedPerson
    from tests.factories import user_make
    from tests.registrations.test_register_views import CHECK_URL, _post_form

    row = Row(f"race: one registration from {sessions} sessions")
    started = time.monotonic()
    for _ in range(rounds):
        user = user_make()
        first, *others = _sessions(user, sessions)
        _post_form(first)  # the answers and documents, as the check page has them
        draft = first.session[drafts.SESSION_KEY]
        for client in others:
            session = client.session
            session[drafts.SESSION_KEY] = draft
            session.save()
        with quiet_logs():
            outcomes = _race_posts([first, *others], CHECK_URL)
        row.attempts += sessions
        contributions = list(Contribution.objects.filter(registration__person__user=user))
        pay_url = f"/payments/contribution/{contributions[0].pk}/pay/" if contributions else "?"
        _answered_cleanly(row, "registration", outcomes,
                          ok=lambda response, url=pay_url: response.status_code == 302 and response["Location"] == url)
        people = SelfEmployedPerson.objects.filter(user=user).count()
        registrations = Registration.objects.filter(person__user=user).count()
        if (people, registrations, len(contributions)) != (1, 1, 1):
            row.lost += not contributions
            row.fail(f"registration: {people} people, {registrations} registrations, {len(contributions)} "
                     "contributions")
    row.counts.update({"rounds": rounds, "registrations": Registration.objects.count()})
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row


def race_renewal_buy(*, rounds: int, sessions: int) -> Row:
    """Renew & Pay of one sector from `sessions` sessions at once: one renewal awaiting payment; the others are
    sent to it (with a message), none to an error."""
    from datetime import timedelta

    from django.urls import reverse

    from matrix.contributions.services import contribution_mark_paid
    from matrix.reference.models import Plan
    from tests.factories import contribution_make, person_make, registration_make

    row = Row(f"race: one renewal from {sessions} sessions")
    started = time.monotonic()
    plan = Plan.objects.get(number=2)
    for _ in range(rounds):
        paid_at = timezone.now() - timedelta(days=400)
        registration = registration_make(person=person_make(), sector="agent", submitted_at=paid_at)
        first = contribution_make(registration=registration, plan_number=2, months=5, created_at=paid_at)
        contribution_mark_paid(contribution=first, paid_at=paid_at)
        clients = _sessions(registration.person.user, sessions)
        url = reverse("contributions:renew_sector", args=[registration.pk])
        with quiet_logs():
            outcomes = _race_posts(clients, url, {"step": "confirm", "plan": plan.pk, "months": 3})
        row.attempts += sessions
        renewals = list(Contribution.objects.filter(registration=registration, kind=Contribution.Kind.RENEWAL))
        allowed = {f"/payments/contribution/{renewal.pk}/pay/" for renewal in renewals} | {
            reverse("contributions:detail", args=[renewal.pk]) for renewal in renewals}
        _answered_cleanly(row, "renewal", outcomes,
                          ok=lambda response: response.status_code == 302 and response["Location"] in allowed)
        if len(renewals) != 1:
            row.lost += not renewals
            row.fail(f"renewal: {len(renewals)} renewals of one sector")
    row.counts.update({"rounds": rounds,
                       "renewals": Contribution.objects.filter(kind=Contribution.Kind.RENEWAL).count()})
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row


def race_payment_start(*, rounds: int, sessions: int) -> Row:
    """PAY WITH FPX for one contribution from `sessions` sessions at once: one Pending payment, and every session
    gets its signed AR (the same order), or is sent to the payment in progress."""
    import re

    from django.core.cache import cache

    from matrix.payments.fpx.client import BANKLIST_CACHE_KEY
    from matrix.payments.fpx.messages import BankOption
    from tests.payments.helpers import contribution_for

    row = Row(f"race: one payment start from {sessions} sessions")
    started = time.monotonic()
    for _ in range(rounds):
        cache.set(BANKLIST_CACHE_KEY, [BankOption("ABB0233", "Affin Bank", True)], 600)  # FPX's bank list
        contribution = contribution_for()
        clients = _sessions(contribution.registration.person.user, sessions,
                            **{f"payments:terms:{contribution.pk}": True})  # PAY NOW's terms accepted
        with quiet_logs():
            outcomes = _race_posts(clients, f"/payments/contribution/{contribution.pk}/bank/", {"bank": "ABB0233"})
        row.attempts += sessions
        payments = list(Payment.objects.filter(contribution=contribution))
        orders = set()
        for outcome in outcomes:
            if not isinstance(outcome, BaseException) and outcome.status_code == 200:
                orders.update(re.findall(r'name="fpx_sellerExOrderNo" value="([^"]+)"', outcome.content.decode()))
        detail = {f"/payments/{payment.pk}/" for payment in payments}
        _answered_cleanly(row, "payment start", outcomes, ok=lambda response: (
            response.status_code == 200 and b"fpx_sellerExOrderNo" in response.content
            or response.status_code == 302 and response["Location"] in detail))
        if len(payments) != 1 or orders - {payment.seller_ex_order_no for payment in payments}:
            row.lost += not payments
            row.fail(f"payment start: {len(payments)} payments, orders handed out {sorted(orders)}")
    row.counts.update({"rounds": rounds, "payments": Payment.objects.count(), "orders handed out": len(orders)})
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row


def race_counter_vs_fpx(*, rounds: int, key, staff_user) -> Row:
    """An Officer records a counter payment of a contribution while FPX's direct AC approving its online attempt
    arrives at the live portal, `rounds` times: the contribution is paid once, from one receipt. Either both were
    taken (the later one owed back: exactly one Refund, Due) or the counter was refused cleanly after FPX paid."""
    from functools import partial

    from matrix.backoffice.services.counter import counter_payment_record
    from matrix.payments.services.counter import CounterRefused
    from matrix.reference.models import Branch
    from tests.concurrency import race

    row = Row("race: counter payment against FPX approval")
    started = time.monotonic()
    branch = Branch.objects.first()
    outcomes_seen: Counter = Counter()
    with quiet_logs(), LivePortal() as portal:
        for index in range(rounds):
            payment = payments_open(1)[0]
            contribution = payment.contribution
            counter = partial(counter_payment_record, contribution_id=contribution.pk, amount=contribution.amount,
                              counter_method="CASH", branch=branch, reference=f"SLIP-{index}", staff_user=staff_user)
            ac = ac_signed(payment, key=key, code="00", txn_id=f"{time_format(timezone.now())[2:]}{index:04d}",
                           approved_at=timezone.now())
            counted, answered = race(counter, partial(portal.post, "/payments/fpx/direct/", ac), timeout=120)
            row.attempts += 2
            if isinstance(answered, BaseException) or answered[:2] != (200, "OK"):
                row.fail(f"round {index}: the direct AC got {answered!r}")
            refused = isinstance(counted, CounterRefused)
            if isinstance(counted, BaseException) and not refused:
                row.fail(f"round {index}: the counter payment raised {counted!r}")
            contribution.refresh_from_db()
            paid = list(Payment.objects.filter(contribution=contribution, status=Status.PAID))
            refunds = Refund.objects.filter(payment__contribution=contribution).count()
            covering = [one for one in paid if not one.refund_due]
            outcomes_seen["counter refused" if refused else "both taken, one refunded"] += 1
            if contribution.state != Contribution.State.PAID or len(covering) != 1:
                row.lost += not covering
                row.fail(f"round {index}: contribution {contribution.state}, {len(covering)} covering payments")
            elif refunds != len(paid) - 1 or len({one.receipt_no for one in paid}) != len(paid):
                row.fail(f"round {index}: {len(paid)} paid, {refunds} refunds")
    row.counts.update({"rounds": rounds, **outcomes_seen})
    row.seconds = time.monotonic() - started
    ROWS.append(row)
    return row
