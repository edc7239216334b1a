"""Restarting PostgreSQL between the AR and the AC leaves no half-settled payment (issue 9), and a persistent
connection killed by the restart is never reused.

The portal runs in subprocesses against a PRIVATE PostgreSQL 15 cluster (tests/pgcluster.py; the shared server
is never touched): gunicorn with the project's config/gunicorn.py (one worker, one thread, so one persistent
connection) serves FPX's direct AC, and a small driver script makes the people, starts the payments (the real
`payment_start`: a Pending payment and its signed AR), runs the re-query task and reads the rows back. Both use
the production connection policy of config/django/production.py: CONN_MAX_AGE 60 with CONN_HEALTH_CHECKS.

1. The restart hits a direct AC in the middle of its settlement transaction (the test holds a lock the
   settlement needs after it has already written the contribution's cover), a second copy of the AC arrives
   while the server is down: neither is accepted, and nothing of either is left (payment Pending, no receipt,
   no receipt number drawn, no cover, not even the log row). With the server back, the re-query's AE is answered
   with the approving AC and settles the payment exactly once, covered from the AC's approval time; a later copy
   of the direct AC is a duplicate.
2. The restart happens between the AR and a direct AC that arrives once the server is back: the web process's
   pooled connection is dead, the health check replaces it, and the AC is settled at its first delivery.
"""

import itertools
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_period
from matrix.core.models import ReceiptNumber
from matrix.payments.fpx.messages import form_parse, time_format
from tests.concurrency import wait_until
from tests.payments.fpxkit import SELLER_EX_ID, SELLER_ID, ac_fields, body
from tests.pgcluster import PG_BIN, PgCluster, free_port

pytestmark = [pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]
DB = "matrix_restart"
WEB_APP = "matrix-web"  # application_name of the web process's connections (to find them in pg_stat_activity)
DRIVER_APP = "matrix-driver"
AGE_SECONDS = 2 * 60 * 60  # the AR was sent two hours ago: the re-query is due, and FPX's approval fits after it
_ic_serials = itertools.count(1)

SETTINGS = '''\
"""The test settings with the production connection policy (config/django/production.py)."""
from config.django.test import *  # noqa: F403
from config.django.test import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
'''

DRIVER = '''\
"""Drive the portal against the private cluster: python driver.py COMMAND ARGS_JSON RESULT_PATH."""
import json
import sys
from datetime import timedelta

import django

django.setup()

from django.utils import timezone  # noqa: E402


def iso(value):
    return value.isoformat() if value else None


def setup(args):
    from matrix.payments.models import Payment
    from tests.factories import user_make
    from tests.payments.helpers import contribution_for, pending_payment_make

    made = []
    for ic in args["ic_numbers"]:
        payment = pending_payment_make(contribution=contribution_for(user=user_make(id_number=ic)))
        Payment.objects.filter(pk=payment.pk).update(
            created_at=timezone.now() - timedelta(seconds=args["age_seconds"]))
        payment.refresh_from_db()
        made.append({"payment_id": payment.pk, "seller_ex_order_no": payment.seller_ex_order_no,
                     "seller_order_no": payment.seller_order_no, "seller_txn_time": payment.seller_txn_time,
                     "amount": str(payment.amount), "created_at": iso(payment.created_at),
                     "months": payment.contribution.months})
    return made


def state(args):
    from matrix.core.models import ReceiptNumber
    from matrix.notifications.models import OutboxMessage
    from matrix.payments.models import FpxMessage, Payment

    payment = Payment.objects.select_related("contribution").get(pk=args["payment_id"])
    contribution = payment.contribution
    receipt = payment.receipt_no or ""
    return {
        "status": payment.status, "receipt_no": receipt, "paid_at": iso(payment.paid_at),
        "settled_at": iso(payment.settled_at), "debit_auth_code": payment.debit_auth_code,
        "fpx_txn_id": payment.fpx_txn_id, "enquiry_count": payment.enquiry_count,
        "contribution": {"state": contribution.state, "start_at": iso(contribution.start_at),
                         "end_at": iso(contribution.end_at), "paid_at": iso(contribution.paid_at)},
        # Every message logged about this order, attached to the payment or not.
        "messages": [[m.channel, m.outcome] for m in
                     FpxMessage.objects.filter(seller_ex_order_no=payment.seller_ex_order_no).order_by("pk")],
        "receipt_numbers_drawn": ReceiptNumber.objects.count(),
        "payments_with_receipt": Payment.objects.filter(receipt_no=receipt).count() if receipt else 0,
        "receipt_emails": OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL,
                                                       subject__contains=receipt).count() if receipt else 0,
    }


def requery(args):
    from matrix.payments.tasks import payments_requery_pending

    return payments_requery_pending()


command, arguments, result_path = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
result = {"setup": setup, "state": state, "requery": requery}[command](arguments)
with open(result_path, "w") as out:
    json.dump(result, out)
'''


# --- the private cluster and the portal's processes ----------------------------------------------------------------

@pytest.fixture(scope="module")
def portal_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pg-restart-portal")
    (directory / "pg_restart_settings.py").write_text(SETTINGS)
    (directory / "driver.py").write_text(DRIVER)
    return directory


def _env(cluster: PgCluster, portal_dir: Path, fpx_keys, *, app: str, enquiry_url: str = "") -> dict[str, str]:
    fpx, seller = fpx_keys
    env = {name: value for name, value in os.environ.items()
           if name not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_CONN_MAX_AGE", "PYTHONPATH")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "pg_restart_settings",
        "PYTHONPATH": f"{portal_dir}{os.pathsep}{REPO}",
        "DATABASE_URL": cluster.url(DB, application_name=app),
        "FPX_CERT_PATHS": str(fpx.cert_path),
        "FPX_PRIVATE_KEY_PATH": str(seller.key_path),
        "FPX_SELLER_EX_ID": SELLER_EX_ID,
        "FPX_SELLER_ID": SELLER_ID,
        "FPX_ENQUIRY_URL": enquiry_url,
        "FPX_REQUERY_AFTER_SECONDS": "60",
    })
    return env


@pytest.fixture(scope="module")
def cluster(portal_dir, fpx_keys):
    """A private PostgreSQL 15 cluster with the portal's database, migrated by `manage.py migrate`."""
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL 15 binaries not found in {PG_BIN}")
    pg = PgCluster()
    try:
        pg.init()
        pg.start()
        pg.createdb(DB)
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=REPO, capture_output=True, text=True,
            env=_env(pg, portal_dir, fpx_keys, app=DRIVER_APP), timeout=600)
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        yield pg
    finally:
        pg.destroy()
    assert not pg.root.exists()


@pytest.fixture
def pg(cluster):
    """The cluster, running at the start of each test (a failed test may have left it stopped)."""
    if not cluster.running():
        cluster.start()
    yield cluster
    if not cluster.running():
        cluster.start()


class Driver:
    def __init__(self, env: dict[str, str], directory: Path, work: Path):
        self.env, self.script, self.work = env, directory / "driver.py", work
        self.calls = itertools.count()

    def __call__(self, command: str, **arguments):
        result_path = self.work / f"driver-{next(self.calls)}-{command}.json"
        done = subprocess.run([sys.executable, str(self.script), command, json.dumps(arguments), str(result_path)],
                              cwd=REPO, env=self.env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"driver {command} failed:\n{done.stdout}\n{done.stderr}"
        return json.loads(result_path.read_text())


class EnquiryStub(BaseHTTPRequestHandler):
    """FPX's enquiry host in miniature: answers every AE with the approving AC FPX would send, signed with the FPX
    test key, approved at `approved_at` (as tests/payments/test_worker_pg.py's stub does)."""

    key = None
    approved_at: datetime | None = None
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        fields = form_parse(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self.received.append(fields)
        order = SimpleNamespace(seller_ex_order_no=fields["fpx_sellerExOrderNo"],
                                seller_order_no=fields["fpx_sellerOrderNo"],
                                seller_txn_time=fields["fpx_sellerTxnTime"], amount=Decimal(fields["fpx_txnAmount"]))
        answer = ac_fields(order, key=self.key, fpxTxnId="2512271635080042",
                           fpxTxnTime=time_format(self.approved_at))
        payload = body(answer).encode()
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
    EnquiryStub.approved_at = None
    server = ThreadingHTTPServer(("127.0.0.1", 0), EnquiryStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/enquiry/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def portal(pg, portal_dir, fpx_keys, enquiry_stub, tmp_path):
    """gunicorn (config/gunicorn.py, one worker with one thread: one persistent connection) serving the portal
    on the private cluster, and the driver."""
    port = free_port()
    env = _env(pg, portal_dir, fpx_keys, app=WEB_APP, enquiry_url=enquiry_stub)
    env.update({"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1",
                "GUNICORN_MAX_REQUESTS": "0", "MATRIX_SCHEDULER": "0"})
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                                   cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    web = SimpleNamespace(url=f"http://127.0.0.1:{port}", process=process,
                          log=lambda: log_path.read_text(errors="replace"),
                          driver=Driver(_env(pg, portal_dir, fpx_keys, app=DRIVER_APP, enquiry_url=enquiry_stub),
                                        portal_dir, tmp_path))
    try:
        def serving():
            assert process.poll() is None, web.log()
            return _get(f"{web.url}/healthz")[0] == 200

        wait_until(serving, timeout=60, interval=0.2, message=web.log)
        yield web
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        assert process.poll() is not None


# --- HTTP and the server's own view ------------------------------------------------------------------------------

def _get(url: str) -> tuple[int | None, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return None, str(exc)


def _post_direct_ac(web, fields: dict[str, str]) -> tuple[int | None, str]:
    """FPX's direct AC, host to host: (HTTP status, body); (None, why) when no answer came at all."""
    request = urllib.request.Request(f"{web.url}/payments/fpx/direct/", data=body(fields).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except OSError as exc:
        return None, str(exc)


def _web_backends(pg: PgCluster) -> list[tuple]:
    """(pid, state, wait_event_type, query) of the web process's sessions."""
    with pg.connect(DB, autocommit=True) as conn:
        return conn.execute(
            "SELECT pid, state, wait_event_type, query FROM pg_stat_activity WHERE datname = %s "
            "AND application_name = %s AND pid <> pg_backend_pid()", (DB, WEB_APP)).fetchall()


def _tables_written_by(pg: PgCluster, pid: int) -> set[str]:
    """Tables the session holds ROW EXCLUSIVE on: those its open transaction has written."""
    with pg.connect(DB, autocommit=True) as conn:
        return {row[0] for row in conn.execute(
            "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = %s "
            "AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'", (pid,)).fetchall()}


def _approval_moment() -> datetime:
    """FPX's approval time: an hour ago (after the AR two hours ago), to the second as FPX sends it."""
    return (timezone.now() - timedelta(hours=1)).replace(microsecond=0)


def _direct_ac(order: dict, key, approved_at: datetime) -> dict[str, str]:
    return ac_fields(SimpleNamespace(seller_ex_order_no=order["seller_ex_order_no"],
                                     seller_order_no=order["seller_order_no"],
                                     seller_txn_time=order["seller_txn_time"], amount=Decimal(order["amount"])),
                     key=key, fpxTxnTime=time_format(approved_at))


def _ic() -> str:
    return f"90010114{next(_ic_serials):04d}"


def _assert_untouched(state: dict, *, receipt_numbers_drawn: int) -> None:
    """The payment as payment_start left it: nothing of a settlement, not even half of one."""
    assert state["status"] == "PENDING", state
    assert not state["receipt_no"] and state["paid_at"] is None and state["settled_at"] is None, state
    assert not state["debit_auth_code"] and not state["fpx_txn_id"], state
    assert state["contribution"] == {"state": Contribution.State.AWAITING_PAYMENT, "start_at": None,
                                     "end_at": None, "paid_at": None}, state
    assert [channel for channel, _outcome in state["messages"]] == ["AR"], state
    assert state["receipt_numbers_drawn"] == receipt_numbers_drawn, state


def _assert_paid_once(state: dict, *, approved_at: datetime, months: int, txn_id: str) -> None:
    assert state["status"] == "PAID", state
    assert state["debit_auth_code"] == "00" and state["fpx_txn_id"] == txn_id, state
    assert state["payments_with_receipt"] == 1 and len(state["receipt_no"]) == 14, state
    assert datetime.fromisoformat(state["paid_at"]) == approved_at, state
    period = coverage_period(start=approved_at, months=months)
    assert state["contribution"]["state"] == Contribution.State.PAID, state
    assert datetime.fromisoformat(state["contribution"]["paid_at"]) == approved_at, state
    assert datetime.fromisoformat(state["contribution"]["start_at"]) == period.start, state
    assert datetime.fromisoformat(state["contribution"]["end_at"]) == period.end, state


# --- the tests ---------------------------------------------------------------------------------------------------

def test_restart_mid_settlement_and_an_ac_while_down_leave_nothing_and_the_requery_settles_once(portal, pg,
                                                                                               fpx_key):
    driver = portal.driver
    [order] = driver("setup", ic_numbers=[_ic()], age_seconds=AGE_SECONDS)
    before = driver("state", payment_id=order["payment_id"])
    drawn = before["receipt_numbers_drawn"]
    _assert_untouched(before, receipt_numbers_drawn=drawn)
    approved_at = _approval_moment()
    ac = _direct_ac(order, fpx_key, approved_at)

    # 1. The direct AC arrives and its settlement starts; the test holds the receipt-number table, so the
    #    settlement stops just before drawing the number, after it has locked the payment and written the cover.
    holder = pg.connect(DB)
    in_flight: dict = {}
    try:
        holder.execute(f'LOCK TABLE "{ReceiptNumber._meta.db_table}" IN EXCLUSIVE MODE')
        sender = threading.Thread(target=lambda: in_flight.update(answer=_post_direct_ac(portal, ac)), daemon=True)
        sender.start()

        def settlement_waiting():
            assert sender.is_alive(), in_flight
            return next((pid for pid, _state, wait, query in _web_backends(pg)
                         if wait == "Lock" and ReceiptNumber._meta.db_table in query), None)

        pid = wait_until(settlement_waiting, timeout=60, interval=0.1, message=portal.log)
        written = _tables_written_by(pg, pid)
        assert Contribution._meta.db_table in written, written  # the cover is written, not committed

        # 2. PostgreSQL restarts under it (fast: every session is terminated, open transactions roll back).
        pg.restart()
    finally:
        try:
            holder.close()
        except Exception:  # noqa: BLE001 - its session was terminated by the restart
            pass
    sender.join(timeout=120)
    assert not sender.is_alive()
    status, text = in_flight["answer"]
    assert (status, text) != (200, "OK"), in_flight  # not acknowledged: FPX is not told it was processed
    assert status == 500, in_flight
    assert portal.process.poll() is None, portal.log()

    # 3. Another copy of the direct AC while the server is down: refused with a server error, nothing kept.
    pg.stop()
    assert not pg.running()
    status, text = _post_direct_ac(portal, ac)
    assert status == 500 and text != "OK", (status, text)
    assert portal.process.poll() is None, portal.log()
    pg.start()

    # Nothing of either settlement survived: not the cover, not a receipt number, not even the log rows.
    _assert_untouched(driver("state", payment_id=order["payment_id"]), receipt_numbers_drawn=drawn)

    # 4. The re-query (the periodic task) asks FPX, and the approving AC settles the payment exactly once.
    EnquiryStub.approved_at = approved_at
    counts = driver("requery")
    assert counts["queried"] == 1 and counts["settled"] == 1 and counts["errors"] == 0, counts
    assert [fields["fpx_sellerExOrderNo"] for fields in EnquiryStub.received] == [order["seller_ex_order_no"]]
    paid = driver("state", payment_id=order["payment_id"])
    _assert_paid_once(paid, approved_at=approved_at, months=order["months"], txn_id="2512271635080042")
    assert paid["receipt_numbers_drawn"] == drawn + 1, paid
    assert [channel for channel, _outcome in paid["messages"]] == ["AR", "AE", "AE_REPLY"], paid
    assert paid["messages"][-1][1] == "paid", paid
    assert paid["receipt_emails"] == 1, paid

    # 5. FPX's direct AC delivered again now: the web process reconnects, answers OK, and it is a duplicate.
    assert _post_direct_ac(portal, ac) == (200, "OK"), portal.log()
    again = driver("state", payment_id=order["payment_id"])
    assert again["receipt_no"] == paid["receipt_no"] and again["paid_at"] == paid["paid_at"], again
    assert again["contribution"] == paid["contribution"] and again["receipt_numbers_drawn"] == drawn + 1, again
    assert again["messages"][-1][0] == "AC_DIRECT" and again["messages"][-1][1].startswith("duplicate"), again
    assert again["receipt_emails"] == 1, again
    assert driver("requery")["queried"] == 0  # nothing pending is left to ask about


def test_restart_between_ar_and_direct_ac_the_dead_pooled_connection_is_not_reused(portal, pg, fpx_key):
    driver = portal.driver
    first, second = driver("setup", ic_numbers=[_ic(), _ic()], age_seconds=AGE_SECONDS)
    approved_at = _approval_moment()

    # The web process settles one payment: its connection stays open afterwards (CONN_MAX_AGE), idle.
    assert _post_direct_ac(portal, _direct_ac(first, fpx_key, approved_at)) == (200, "OK"), portal.log()
    backends = _web_backends(pg)
    assert len(backends) == 1 and backends[0][1] == "idle", backends
    old_pid = backends[0][0]

    # PostgreSQL restarts between the second payment's AR and its direct AC: the pooled connection is dead.
    pg.restart()
    assert _web_backends(pg) == []
    assert portal.process.poll() is None, portal.log()

    # The direct AC arrives once the server is back: settled at its first delivery, on a new connection.
    assert _post_direct_ac(portal, _direct_ac(second, fpx_key, approved_at)) == (200, "OK"), portal.log()
    state = driver("state", payment_id=second["payment_id"])
    _assert_paid_once(state, approved_at=approved_at, months=second["months"], txn_id="2512271635080001")
    assert [channel for channel, _outcome in state["messages"]] == ["AR", "AC_DIRECT"], state
    assert state["messages"][-1][1] == "paid" and state["receipt_emails"] == 1, state
    backends = _web_backends(pg)
    assert len(backends) == 1 and backends[0][0] != old_pid, backends
    assert "Traceback" not in portal.log(), portal.log()
    _assert_paid_once(driver("state", payment_id=first["payment_id"]), approved_at=approved_at,
                      months=first["months"], txn_id="2512271635080001")
