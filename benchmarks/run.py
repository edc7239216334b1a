"""`make bench`: the portal at national scale against the bare-Django ceiling, measured in one run.

    make bench                      # 100,000 people (seeded once into the `bench` database, kept for next time)
    BENCH_PEOPLE=1000000 make bench # more people (only the difference is seeded)

It starts the production-like profile (config.django.production, gunicorn from config/gunicorn.py with 2 workers,
PostgreSQL, Redis, the FPX simulator, the outbox) on the scale data, and beside it the ceiling: a bare Django view
(benchmarks/ceiling.py) under the same gunicorn configuration. Then, each figure against a baseline of the same
run: wrk at 32 connections on each page (req/s, p50, p99, share of the ceiling) and p99 at 4 connections; the FPX
direct AC (distinct signed orders, each settling a payment); receipt PDFs per second per core; the renewal-reminder
run over all people; the pending-payment re-query against the simulator; queries per page; peak memory per web
worker. Table to stdout and JSON to BENCH_JSON (var/bench/bench.json). It is not a test: it never fails a build
(exit status 0 whatever the figures, unless the stack cannot start).

The requests look like production's: the portal sits behind the load balancer (CLIENT_IP_HEADER=
HTTP_X_FORWARDED_FOR, X-Forwarded-Proto https), and each request carries a public client address, so the page
cache and the outbox's local-only rule see a visitor, not this machine. One slow page cannot spoil the next: the
staff pages come last, before each measurement the run waits (at most IDLE_TIMEOUT) until the portal is idle
again (its workers' CPU near zero, none of their queries active in PostgreSQL, /healthz answering at once), and a
page whose single request takes over SLOW_SECONDS is measured one request at a time within SLOW_BUDGET instead of
at 32 connections (which would leave minutes of queued work behind). Each run makes its own pending payments
first (benchmarks/pending.py), so a second run measures the same thing.

Environment: BENCH_PEOPLE (100000), BENCH_SECONDS (8, per page at 32 connections; 4 connections take half),
BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/bench), BENCH_REDIS_URL (redis://127.0.0.1:6379/4),
BENCH_PORT (8611; the ceiling on BENCH_PORT + 1), BENCH_REQUERY (2000 pending payments re-queried; reported as
payments per second), BENCH_REQUERY_BUDGET (300 s), BENCH_JSON."""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
PORT = int(os.environ.get("BENCH_PORT", "8611"))
JSON_PATH = Path(os.environ.get("BENCH_JSON", BASE_DIR / "var" / "bench" / "bench.json"))
PYTHON = sys.executable
STAFF_USERNAME = "bench-supervisor"
AC_ORDERS = 4000  # distinct pending payments the direct AC settles; the rest are left to the re-query
REQUERY_PAYMENTS = int(os.environ.get("BENCH_REQUERY", "2000"))
REQUERY_BUDGET = int(os.environ.get("BENCH_REQUERY_BUDGET", "300"))
# Public addresses, as the load balancer passes them in X-Forwarded-For: a visitor, and FPX's host.
CLIENT_ADDRESS = "175.139.52.18"
FPX_ADDRESS = "203.106.7.21"
IDLE_TIMEOUT = 120  # seconds to wait for the portal to be idle before a measurement
SLOW_SECONDS = 1.0  # a page whose one request takes longer is measured one request at a time
SLOW_BUDGET = 20.0  # seconds for those requests (each bounded by it too)


def public_address(index: int) -> str:
    """A distinct public address for simulated person `index` (175.136.0.0/13, a Malaysian ISP's block)."""
    return f"175.{136 + index // 65025 % 8}.{index // 255 % 255}.{index % 255 + 1}"


def profile_env() -> dict[str, str]:
    """The production-like profile of deploy/local.env, on loopback over plain HTTP (wrk speaks no TLS here):
    X-Forwarded-Proto says https, as a load balancer would."""
    base = f"http://127.0.0.1:{PORT}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.django.production",
        "SECRET_KEY": "bench-only-0b5c1e8a4f2d47c3a9e6b1d0c8f4a2e7-not-for-any-real-deployment",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BASE_URL": f"https://localhost:{PORT}",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
        "STORAGE_BACKEND": "local",
        "FPX_SIMULATOR_ENABLED": "1",
        "MESSAGES_OUTBOX": "1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_FORMAT": "plain",
        "GUNICORN_LOG_LEVEL": "warning",
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": "2",
        # Workers are not recycled during the run, so their memory after it is the memory a run leaves.
        "GUNICORN_MAX_REQUESTS": "0",
        # Enquiries go to the simulator on the bench server, over plain HTTP.
        "FPX_ENQUIRY_URL": f"{base}/fpx-simulator/enquiry/",
        "FPX_BANKLIST_URL": f"{base}/fpx-simulator/banklist/",
        "FPX_AR_URL": f"{base}/fpx-simulator/ar/",
        "FPX_REQUERY_RUN_BUDGET_SECONDS": str(REQUERY_BUDGET),
        # Behind the load balancer: the client's address is the last one it appended to X-Forwarded-For.
        "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    }


# -- progress ---------------------------------------------------------------------------------------------------

class Steps:
    """A rich progress bar over the steps of the run (plain lines when stdout is not a terminal)."""

    def __init__(self, names: list[str]):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn())
        self.task = self.progress.add_task("make bench", total=len(names))
        self.seconds: dict[str, float] = {}  # how long each step took

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    @contextmanager
    def step(self, description: str):
        self.progress.update(self.task, description=description)
        began = time.monotonic()
        try:
            yield
        finally:
            self.seconds[description] = round(time.monotonic() - began, 1)
            self.progress.advance(self.task)


# -- wrk --------------------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
BASE_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS, "Accept-Language": "en"}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else float("nan")


def wrk(url: str, *, connections: int, seconds: int, headers: dict[str, str], script: str | None = None) -> dict:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    if script:
        args += ["-s", script]
    output = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    total = re.search(r"(\d+) requests in", output)
    return {
        "rps": float(rate.group(1)) if rate else 0.0,
        "p50_ms": _ms(p50.group(1)) if p50 else float("nan"),
        "p99_ms": _ms(p99.group(1)) if p99 else float("nan"),
        "requests": int(total.group(1)) if total else 0,
        "non_2xx_3xx": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(0) if errors else "",
    }


AC_SCRIPT = """
local bodies = {}
for line in io.lines(os.getenv("BENCH_AC_FILE")) do bodies[#bodies + 1] = line end
local counter = 0
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
function init(args) counter = tonumber(offset) end
function request()
  local body = bodies[(counter % #bodies) + 1]
  counter = counter + 2
  return wrk.format("POST", "/payments/fpx/direct/",
    {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-Proto"] = "https",
     ["X-Forwarded-For"] = "{fpx_address}"}, body)
end
""".replace("{fpx_address}", FPX_ADDRESS)


# -- the stack --------------------------------------------------------------------------------------------------

def wait_ready(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({process.returncode}); see var/bench/*.log")
        try:
            if requests.get(url, timeout=2, headers=BASE_HEADERS).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def gunicorn(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    output = open(log, "ab")  # noqa: SIM115 - kept by the child
    process = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "gunicorn", "-c", str(BASE_DIR / "config" / "gunicorn.py"), app],
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, cwd=BASE_DIR, stdout=output, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    output.close()
    return process


def stop(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def workers_memory_mb(arbiter: subprocess.Popen) -> list[dict]:
    import psutil

    rows = []
    for child in psutil.Process(arbiter.pid).children():
        status = Path(f"/proc/{child.pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
        rows.append({"pid": child.pid, "rss_mb": round(rss, 1), "peak_mb": round(peak, 1)})
    return rows


def _database_ports(processes) -> set[int]:
    ports = set()
    for process in processes:
        try:
            connections = (getattr(process, "net_connections", None) or process.connections)(kind="tcp")
        except Exception:  # noqa: BLE001, S112 - a worker that just exited has no connections to count
            continue
        ports.update(c.laddr.port for c in connections if c.raddr and c.raddr.port == 5432)
    return ports


def _active_queries(ports: set[int]) -> int:
    """Statements PostgreSQL is running for these client ports (a request the client gave up on may still be
    running its query while the worker thread waits)."""
    from django.db import connection

    if not ports:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND client_port = ANY(%s)",
                       [sorted(ports)])
        return cursor.fetchone()[0]


def server_busy(arbiter: subprocess.Popen, base: str, interval: float = 0.5) -> dict:
    """One look at the portal: its workers' CPU over `interval` (percent of one core, summed), their active
    queries, and how long /healthz takes."""
    import psutil
    import requests

    workers = psutil.Process(arbiter.pid).children()
    for worker in workers:
        worker.cpu_percent(None)
    time.sleep(interval)
    cpu = 0.0
    for worker in workers:
        try:
            cpu += worker.cpu_percent(None)
        except psutil.Error:
            pass
    began = time.perf_counter()
    try:
        requests.get(f"{base}/healthz", timeout=2, headers=BASE_HEADERS)
        healthz_ms = (time.perf_counter() - began) * 1000
    except requests.RequestException:
        healthz_ms = float("inf")
    return {"cpu": cpu, "queries": _active_queries(_database_ports(workers)), "healthz_ms": healthz_ms}


def wait_idle(arbiter: subprocess.Popen, base: str, timeout: float = IDLE_TIMEOUT) -> dict:
    """Wait until the portal is idle: twice in a row its workers use under 10 % of a core, run no query, and
    /healthz answers within 50 ms. Bounded by `timeout`; says how long it waited and whether it got there."""
    began = time.monotonic()
    quiet = 0
    look = {}
    while time.monotonic() - began < timeout:
        look = server_busy(arbiter, base)
        quiet = quiet + 1 if look["cpu"] < 10 and not look["queries"] and look["healthz_ms"] < 50 else 0
        if quiet >= 2:
            return {"idle": True, "waited_s": round(time.monotonic() - began, 1)}
    return {"idle": False, "waited_s": round(time.monotonic() - began, 1), "last": look}


def one_at_a_time(url: str, headers: dict[str, str], budget: float | None = None) -> dict:
    """Requests one after another (one connection) until `budget` seconds (SLOW_BUDGET) are spent, each bounded
    by what is left of it: the measurement of a page too slow for 32 connections."""
    import requests

    budget = SLOW_BUDGET if budget is None else budget

    times, failures = [], 0
    began = time.monotonic()
    session = requests.Session()
    while (left := budget - (time.monotonic() - began)) > 0.5:
        start = time.perf_counter()
        try:
            status = session.get(url, headers=headers, timeout=left, allow_redirects=False).status_code
        except requests.RequestException:
            failures += 1
            break
        times.append((time.perf_counter() - start) * 1000)
        failures += status >= 400
    elapsed = time.monotonic() - began
    times.sort()
    return {
        "rps": round(len(times) / elapsed, 3) if elapsed else 0.0, "requests": len(times),
        "p50_ms": round(times[len(times) // 2], 1) if times else float("nan"),
        "max_ms": round(times[-1], 1) if times else float("nan"), "failures": failures,
        "timed_out": failures > 0 and len(times) == 0,
    }


def _timed_get(url: str, headers: dict[str, str]) -> float:
    import requests

    began = time.perf_counter()
    try:
        requests.get(url, headers=headers, timeout=SLOW_BUDGET, allow_redirects=False)
    except requests.RequestException:
        return float("inf")
    return time.perf_counter() - began


def measure_page(url: str, headers: dict[str, str]) -> dict:
    """A page at 32 connections (req/s, p50, p99) and its p99 at 4 connections; or, when a request takes over
    SLOW_SECONDS even warm (the first one of a worker may load what the next ones reuse, so a slow first one is
    asked again), one request at a time within SLOW_BUDGET: 32 connections would queue minutes of work."""
    first = _timed_get(url, headers)
    if SLOW_SECONDS < first < float("inf"):
        first = _timed_get(url, headers)
    if first > SLOW_SECONDS:
        return {"slow": True, "first_request_s": round(first, 2) if first != float("inf") else None,
                "c1": one_at_a_time(url, headers) if first != float("inf") else {"rps": 0.0, "timed_out": True}}
    wrk(url, connections=4, seconds=1, headers=headers)  # warm up both workers
    return {"c32": wrk(url, connections=32, seconds=SECONDS, headers=headers),
            "c4": wrk(url, connections=4, seconds=max(2, SECONDS // 2), headers=headers)}


# -- data and sessions (in this process, under the same settings) --------------------------------------------------

def data_ensure(steps: Steps) -> dict:
    from django.core.management import call_command

    from matrix.registrations.models import SelfEmployedPerson

    with steps.step("migrating the bench database"):
        call_command("migrate", "--noinput", verbosity=0)
    have = SelfEmployedPerson.objects.filter(user__email__endswith="@scale.example").count()
    made = {"people_before": have}
    if have < PEOPLE:
        with steps.step(f"seeding {PEOPLE - have:,} people"):
            began = time.monotonic()
            call_command("seed_scale", people=PEOPLE - have, no_progress=True, stdout=open(os.devnull, "w"))
            made["seed_seconds"] = round(time.monotonic() - began, 1)
    else:
        steps.progress.advance(steps.task)
    made["people"] = max(have, PEOPLE)
    made["passwords_rehashed"] = scale_passwords_current()
    from matrix.reports.models import SummaryState

    # The staff reports read the summary tables the periodic job keeps (matrix.reports.summary): prepared as in
    # production, so that the run measures the real page, not "figures not prepared yet".
    with steps.step("preparing the reports' summary"):
        if "seed_seconds" in made or not SummaryState.objects.exists():
            began = time.monotonic()
            call_command("reports_refresh", full=True, stdout=open(os.devnull, "w"))
            made["summary_seconds"] = round(time.monotonic() - began, 1)
    return made


def scale_passwords_current() -> int:
    """The seeded people's shared password hash made again when the password hasher's parameters changed since the
    seed (as each person's next sign-in would do for them one by one): a run measures a sign-in as it costs today,
    not the older parameters' cost once more. How many rows were updated."""
    from django.contrib.auth.hashers import get_hasher, identify_hasher, make_password

    from matrix.accounts.models import User
    from matrix.scale.people import SCALE_PASSWORD

    seeded = User.objects.filter(email__endswith="@scale.example")
    encoded = seeded.values_list("password", flat=True).first()
    if encoded is None or not identify_hasher(encoded).must_update(encoded):
        return 0
    return seeded.update(password=make_password(SCALE_PASSWORD, hasher=get_hasher("argon2").algorithm))


def targets() -> dict:
    """A person whose history has exactly 12 rows, one of their paid contributions and its payment."""
    from django.db.models import Count

    from matrix.contributions.models import Contribution
    from matrix.payments.models import Payment
    from matrix.registrations.models import SelfEmployedPerson

    person = (SelfEmployedPerson.objects.filter(user__email__endswith="@scale.example")
              .annotate(rows=Count("registrations__contributions")).filter(rows=12).order_by("pk").first())
    contribution = (Contribution.objects.filter(registration__person=person, state=Contribution.State.PAID)
                    .order_by("-created_at").first())
    payment = Payment.objects.get(contribution=contribution, status=Payment.Status.PAID, refund_due=False)
    return {"person": person, "contribution": contribution, "payment": payment}


def person_session(user) -> str:
    """A signed-in session for `user`, made as django.contrib.auth.login makes it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "matrix.accounts.backends.LoginBudgetBackend"  # what a sign-in stores
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store["last_activity"] = int(time.time())
    store.create()
    return store.session_key


def staff_session() -> str:
    """A Supervisor (person search and reports) signed in with a verified second factor (as after the TOTP
    step)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from matrix.accounts.models import User
    from matrix.backoffice.models import Role
    from matrix.backoffice.services import staff_create

    user = User.objects.filter(id_number=f"staff:{STAFF_USERNAME}").first()
    if user is None:
        user = staff_create(username=STAFF_USERNAME, full_name="Bench Supervisor", role=Role.SUPERVISOR,
                            password="bench-supervisor-pass-2026").user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
        user=user, name="bench", confirmed=True)
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "matrix.accounts.backends.LoginBudgetBackend"  # what a sign-in stores
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store["last_activity"] = int(time.time())
    store.create()
    return store.session_key


def ac_bodies(payment_ids: list[int]) -> tuple[list[str], list[int]]:
    """Signed direct ACs (approved, 00) for these distinct pending payments, as the simulator signs them."""
    from urllib.parse import urlencode

    from django.conf import settings
    from django.utils import timezone

    from matrix.core.kltime import kl
    from matrix.fpx_simulator.services import simulator_sign
    from matrix.payments.models import Payment

    bodies, ids = [], []
    now = timezone.now()
    payments = Payment.objects.filter(pk__in=payment_ids, status=Payment.Status.PENDING).order_by("pk")
    for number, payment in enumerate(payments):
        fields = {
            "fpx_buyerBankBranch": "BENCH", "fpx_buyerBankId": payment.buyer_bank_id, "fpx_buyerIban": "",
            "fpx_buyerId": "", "fpx_buyerName": "BENCH BUYER", "fpx_creditAuthCode": "00",
            "fpx_creditAuthNo": "1234567890", "fpx_debitAuthCode": "00", "fpx_debitAuthNo": f"{number:08d}",
            "fpx_fpxTxnId": f"{kl(now):%y%m%d%H%M%S}{number % 10000:04d}",
            "fpx_fpxTxnTime": kl(now).strftime("%Y%m%d%H%M%S"), "fpx_makerName": "BENCH BUYER",
            "fpx_msgToken": "01", "fpx_msgType": "AC", "fpx_sellerExId": settings.FPX_SELLER_EX_ID,
            "fpx_sellerExOrderNo": payment.seller_ex_order_no, "fpx_sellerId": settings.FPX_SELLER_ID,
            "fpx_sellerOrderNo": payment.seller_order_no, "fpx_sellerTxnTime": payment.seller_txn_time,
            "fpx_txnAmount": f"{payment.amount:.2f}", "fpx_txnCurrency": "MYR",
        }
        bodies.append(urlencode(simulator_sign(fields, "AC")))
        ids.append(payment.pk)
    return bodies, ids


def queries_per_page(pages: dict[str, str], cookies: dict[str, dict[str, str]], slow: set[str]) -> dict[str, int]:
    """Queries of each page, in process, with the headers wrk sends; a page measured as slow is asked once (its
    count includes whatever a cold cache costs), the others once to warm the caches, then counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in pages.items():
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=CLIENT_ADDRESS, HTTP_HOST="127.0.0.1")
        for key, value in cookies.get(name, {}).items():
            client.cookies[key] = value
        try:
            if name not in slow:
                client.get(url)  # warm caches as the server's are warm
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
        except Exception as exc:  # noqa: BLE001 - a page that fails is reported, the run goes on
            counts[name] = f"error: {exc.__class__.__name__}: {exc}"[:200]
            continue
        counts[name] = len(captured)
    return counts


def receipts_per_core_second(payment, seconds: float = 3.0) -> dict[str, float]:
    """Receipt PDFs per second of CPU: drawn (a first download: ReportLab) and, since receipts are kept in the
    cache once drawn, a later download of the same receipt (receipt_pdf answering from the cache)."""
    from matrix.payments import receipts

    def rate(make) -> float:
        make()
        made, began = 0, time.process_time()
        while time.process_time() - began < seconds:
            make()
            made += 1
        return round(made / (time.process_time() - began), 1)

    figures = {"kept": rate(lambda: receipts.receipt_pdf(payment=payment))}
    draw, rows = getattr(receipts, "_receipt_draw", None), getattr(receipts, "_rows", None)
    if draw and rows:
        facts = receipts.receipt_facts(payment)
        figures["drawn"] = rate(lambda: draw(receipt_no=facts.receipt_no, rows=rows(facts), note=""))
    return figures


JOB_SNIPPET = """
import json, resource, sys, time
import django
django.setup()
began = time.monotonic()
{body}
print(json.dumps({{"seconds": round(time.monotonic() - began, 2), "peak_mb": round(resource.getrusage(
    resource.RUSAGE_SELF).ru_maxrss / 1024, 1), "result": {{k: int(v) for k, v in dict(result).items()}}}}))
"""

REMINDER_JOB = """
try:
    from matrix.notifications.reminders import renewal_reminders_send
except ImportError:
    print(json.dumps({"available": False})); sys.exit(0)
result = renewal_reminders_send()
"""

REQUERY_JOB = """
from matrix.payments.services.requery import payments_requery_run
# The run's re-query set is due now, every other pending payment later (benchmarks.pending.requery_only).
result = payments_requery_run(budget_seconds=%d, batch=%d)
"""


def job(env: dict[str, str], body: str) -> dict:
    process = subprocess.run([PYTHON, "-c", JOB_SNIPPET.format(body=body)], env=env, cwd=BASE_DIR,  # noqa: S603
                             capture_output=True, text=True, timeout=1800)
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": (process.stderr or process.stdout)[-400:]}
    return json.loads(lines[-1])


# -- the run ----------------------------------------------------------------------------------------------------

def celery_queue(clear: bool = False) -> int:
    """Tasks waiting in the bench's broker (no worker runs during the bench); `clear` drops them."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        waiting = client.llen("celery")
        if clear:
            client.delete("celery")
        return waiting
    except redis.RedisError:
        return -1
    finally:
        client.close()


def page_headers(cookies: dict[str, str]) -> dict[str, str]:
    headers = dict(BASE_HEADERS)
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return headers


def _share(rps: float, ceiling: float) -> float:
    return round(rps / ceiling, 3) if ceiling else 0


def main() -> int:
    env = profile_env()
    os.environ.update(env)
    import django

    django.setup()
    from benchmarks.pending import pending_payments_make, requery_only
    from deploy.serve import database_ensure

    database_ensure(DATABASE_URL)
    log_dir = JSON_PATH.parent
    log_dir.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    results: dict = {"people": PEOPLE, "seconds_per_page": SECONDS, "client_address": CLIENT_ADDRESS, "pages": {},
                     "idle": {}, "started": time.time()}
    # The staff pages last: a slow one must not spoil the others.
    page_names = ["home (anonymous)", "login IC step", "self-employed home", "dashboard",
                  "Contribution History (12 rows)", "View Contribution", "Payment Details", "receipt PDF",
                  "healthz", "staff person search", "staff reports"]
    steps_names = ["migrate", "seed", "summary", "static", "pending", "start", "warm", "ceiling"] + page_names + [
        "ac", "queries", "receipts", "reminders", "requery", "memory"]
    base = f"http://127.0.0.1:{PORT}"
    with Steps(steps_names) as steps:
        results["data"] = data_ensure(steps)
        with steps.step("collecting static files"):
            # `make bench` collects them first only when one changed (the Makefile's `static`); run alone, the run
            # collects them when they were never collected.
            if not (BASE_DIR / "var" / "staticfiles" / "staticfiles.json").exists():
                subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env,
                               cwd=BASE_DIR, check=True)
        with steps.step(f"making {AC_ORDERS + REQUERY_PAYMENTS:,} pending payments"):
            results["celery_tasks_dropped"] = celery_queue(clear=True)
            made_at = time.monotonic()
            pending = pending_payments_make(direct=AC_ORDERS, requery=REQUERY_PAYMENTS,
                                            base_url=env["PORTAL_BASE_URL"])
            results["pending_made"] = {
                "seconds": round(time.monotonic() - made_at, 1), "direct_ac": len(pending.direct),
                "requery": len(pending.requery), "requery_approved_at_bank": pending.requery_approved,
                "left_over_closed": pending.closed, "renewals_made": pending.renewals_made}
        chosen = targets()
        person_key = person_session(chosen["person"].user)
        staff_key = staff_session()
        contribution, payment = chosen["contribution"], chosen["payment"]
        pages = {
            "home (anonymous)": "/", "login IC step": "/accounts/login/", "self-employed home": "/self-employed/",
            "dashboard": "/self-employed/dashboard/", "Contribution History (12 rows)": "/self-employed/contributions/",
            "View Contribution": f"/self-employed/contributions/{contribution.pk}/",
            "Payment Details": f"/payments/{payment.pk}/", "receipt PDF": f"/payments/{payment.pk}/receipt.pdf",
            "healthz": "/healthz",
            "staff person search": f"/staff/people/?q={chosen['person'].user.id_number}",
            "staff reports": "/staff/reports/",
        }
        anonymous = {"home (anonymous)", "login IC step", "healthz"}
        cookie_for = {name: ({} if name in anonymous else
                             {"sessionid": staff_key if name.startswith("staff") else person_key})
                      for name in pages}
        with steps.step("starting gunicorn (portal and ceiling)"):
            web = gunicorn("config.wsgi", PORT, env, log_dir / "web.log")
            ceiling = gunicorn("benchmarks.ceiling:application", PORT + 1, env, log_dir / "ceiling.log")
        try:
            wait_ready(f"{base}/healthz", web)
            wait_ready(f"http://127.0.0.1:{PORT + 1}/", ceiling)
            with steps.step("warming both workers on every page"):
                # A server in production is warm: each worker's first request of a page loads what later ones
                # reuse (and would pass for a slow page). Four connections reach both workers; a page too slow
                # for them leaves at most four requests behind, which the idle wait lets finish.
                for name, url in pages.items():
                    wrk(f"{base}{url}", connections=4, seconds=1, headers=page_headers(cookie_for[name]))
                wrk(f"http://127.0.0.1:{PORT + 1}/", connections=4, seconds=1, headers=BASE_HEADERS)
            with steps.step("ceiling: bare Django view"):
                results["idle"]["ceiling"] = wait_idle(web, base)
                ceiling_32 = wrk(f"http://127.0.0.1:{PORT + 1}/", connections=32, seconds=SECONDS,
                                 headers=BASE_HEADERS)
                ceiling_4 = wrk(f"http://127.0.0.1:{PORT + 1}/", connections=4, seconds=max(2, SECONDS // 2),
                                headers=BASE_HEADERS)
            results["ceiling"] = {"c32": ceiling_32, "c4": ceiling_4}
            stop(ceiling)  # idle from here on: the portal has both cores to itself
            slow = set()
            for name, url in pages.items():
                if name == "staff person search":
                    ac_step(steps, results, web, base, pending.direct, ceiling_32["rps"])
                with steps.step(name):
                    headers = page_headers(cookie_for[name])
                    results["idle"][name] = wait_idle(web, base)
                    page = {"url": url, **measure_page(f"{base}{url}", headers)}
                    rps = page["c1"]["rps"] if page.get("slow") else page["c32"]["rps"]
                    page["share"] = _share(rps, ceiling_32["rps"])
                    if page.get("slow"):
                        slow.add(name)
                    results["pages"][name] = page
            with steps.step("queries per page (in process)"):
                results["idle"]["after the pages"] = wait_idle(web, base)
                results["queries"] = queries_per_page(pages, cookie_for, slow)
            with steps.step("receipt PDFs per second per core"):
                results["receipts_per_core_second"] = receipts_per_core_second(payment)
            with steps.step("renewal-reminder run over all people"):
                results["reminders"] = job(env, REMINDER_JOB)
            with steps.step("re-query of pending payments (simulator)"):
                requery_only(pending.requery)
                requery = job(env, REQUERY_JOB % (REQUERY_BUDGET, len(pending.requery)))
                from django.db.models import Count

                from matrix.payments.models import Payment

                statuses = dict(Payment.objects.filter(pk__in=pending.requery).values("status")
                                .annotate(n=Count("pk")).values_list("status", "n"))
                queried = requery.get("result", {}).get("queried", 0)
                requery.update(payments=len(pending.requery), statuses=statuses,
                               payments_per_second=round(queried / requery["seconds"], 1)
                               if requery.get("seconds") else 0)
                results["requery"] = requery
            with steps.step("memory per web worker"):
                results["workers"] = workers_memory_mb(web)
        finally:
            stop(web)
            stop(ceiling)
    results["celery_tasks_queued"] = celery_queue(clear=True)
    results["bench_process_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    results["run_seconds"] = round(time.monotonic() - began, 1)
    results["step_seconds"] = steps.seconds
    JSON_PATH.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    print(f"\nJSON: {JSON_PATH}")
    return 0


def ac_step(steps: Steps, results: dict, web: subprocess.Popen, base: str, payment_ids: list[int],
            ceiling_rps: float) -> None:
    """The FPX direct AC at 32 connections, each request a distinct order of this run (never a duplicate)."""
    from matrix.payments.models import Payment

    with steps.step("FPX direct AC (distinct orders)"):
        bodies, ids = ac_bodies(payment_ids)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(bodies))
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(AC_SCRIPT)
        os.environ["BENCH_AC_FILE"] = handle.name
        results["idle"]["FPX direct AC"] = wait_idle(web, base)
        ac = wrk(f"{base}/payments/fpx/direct/", connections=32, seconds=SECONDS, headers={}, script=script.name)
        settled = Payment.objects.filter(pk__in=ids, status=Payment.Status.PAID).count()
        ac.update(orders=len(bodies), settled=settled, distinct=ac["requests"] <= len(bodies),
                  share=_share(ac["rps"], ceiling_rps))
        results["fpx_direct_ac"] = ac
        os.unlink(handle.name)
        os.unlink(script.name)


def print_table(results: dict) -> None:
    ceiling = results["ceiling"]
    print(f"\nMATRIX at {results['people']:,} people; wrk {results['seconds_per_page']} s per page on loopback "
          f"(client {results.get('client_address')} via X-Forwarded-For); shares of the bare-Django ceiling "
          "measured in this run")
    print(f"{'page':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'share':>8}{'p99@4 ms':>10}{'queries':>9}{'errors':>8}"
          f"{'idle wait s':>12}")
    print(f"{'bare Django view (ceiling)':<34}{ceiling['c32']['rps']:>9.0f}{ceiling['c32']['p50_ms']:>9.1f}"
          f"{ceiling['c32']['p99_ms']:>9.1f}{1:>8.3f}{ceiling['c4']['p99_ms']:>10.1f}{'-':>9}{'':>8}")
    notes = []
    for name, page in results["pages"].items():
        idle = results["idle"].get(name, {})
        wait = f"{idle.get('waited_s', 0):.1f}" + ("" if idle.get("idle", True) else "!")
        queries = results.get("queries", {}).get(name, "-")
        queries = queries if isinstance(queries, int) or queries == "-" else "error"
        if page.get("slow"):
            c1 = page["c1"]
            print(f"{name:<34}{c1['rps']:>9.2f}{c1.get('p50_ms', float('nan')):>9.1f}{'-':>9}{page['share']:>8.3f}"
                  f"{'-':>10}{queries:>9}{c1.get('failures', 0):>8}{wait:>12}")
            notes.append(f"{name}: one request took {page.get('first_request_s')} s; measured one at a time "
                         f"({c1.get('requests', 0)} requests in {SLOW_BUDGET:.0f} s, max {c1.get('max_ms')} ms)")
            continue
        print(f"{name:<34}{page['c32']['rps']:>9.0f}{page['c32']['p50_ms']:>9.1f}{page['c32']['p99_ms']:>9.1f}"
              f"{page['share']:>8.3f}{page['c4']['p99_ms']:>10.1f}{queries:>9}"
              f"{page['c32']['non_2xx_3xx']:>8}{wait:>12}")
    ac = results.get("fpx_direct_ac", {})
    idle = results["idle"].get("FPX direct AC", {})
    print(f"{'FPX direct AC (distinct orders)':<34}{ac.get('rps', 0):>9.0f}{ac.get('p50_ms', 0):>9.1f}"
          f"{ac.get('p99_ms', 0):>9.1f}{ac.get('share', 0):>8.3f}{'':>10}{'':>9}{ac.get('non_2xx_3xx', 0):>8}"
          f"{idle.get('waited_s', 0):>12.1f}   settled {ac.get('settled')} of {ac.get('orders')} orders")
    for note in notes:
        print(f"  {note}")
    if any(not idle.get("idle", True) for idle in results["idle"].values()):
        print("  !: the portal was still busy when the idle wait ran out")
    print(f"receipt PDFs per second per core (drawn / kept in the cache): "
          f"{results.get('receipts_per_core_second')}")
    print(f"renewal-reminder run over all people: {results.get('reminders')}")
    requery = results.get("requery", {})
    print(f"pending-payment re-query: {requery.get('payments')} payments, {requery.get('payments_per_second')} "
          f"payments/s; {requery}")
    print(f"pending payments made for this run: {results.get('pending_made')}")
    print(f"web workers after the run: {results.get('workers')}")
    print(f"celery tasks queued by the run (no worker; dropped): {results.get('celery_tasks_queued')}")
    if "seed_seconds" in results.get("data", {}):
        print(f"seeded {results['people'] - results['data']['people_before']:,} people in "
              f"{results['data']['seed_seconds']} s")
    print(f"whole run: {results.get('run_seconds')} s; steps: {results.get('step_seconds')}")


if __name__ == "__main__":
    sys.exit(main())
