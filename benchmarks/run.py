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

Environment: BENCH_PEOPLE (100000), BENCH_SECONDS (8, per page at 32 connections; 4 connections take half),
BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/bench), BENCH_REDIS_URL (redis://127.0.0.1:6379/4),
BENCH_PORT (8611; the ceiling on BENCH_PORT + 1), BENCH_REQUERY (10000 pending payments), BENCH_JSON."""

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
REQUERY_PAYMENTS = int(os.environ.get("BENCH_REQUERY", "10000"))


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
        "FPX_REQUERY_RUN_BUDGET_SECONDS": "900",
    }


# -- progress ---------------------------------------------------------------------------------------------------

class Steps:
    """A rich progress bar over the steps of the run (plain lines when stdout is not a terminal)."""

    def __init__(self, names: list[str]):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn())
        self.task = self.progress.add_task("make bench", total=len(names))

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    @contextmanager
    def step(self, description: str):
        self.progress.update(self.task, description=description)
        try:
            yield
        finally:
            self.progress.advance(self.task)


# -- wrk --------------------------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


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
    {["Content-Type"] = "application/x-www-form-urlencoded", ["X-Forwarded-Proto"] = "https"}, body)
end
"""


# -- the stack --------------------------------------------------------------------------------------------------

def wait_ready(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url}: the server exited ({process.returncode}); see var/bench/*.log")
        try:
            if requests.get(url, timeout=2, headers={"X-Forwarded-Proto": "https"}).status_code < 500:
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
    return made


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
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
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
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store["last_activity"] = int(time.time())
    store.create()
    return store.session_key


def ac_bodies(count: int) -> tuple[list[str], list[int]]:
    """Signed direct ACs (approved, 00) for `count` distinct pending payments, as the simulator signs them."""
    from urllib.parse import urlencode

    from django.conf import settings
    from django.utils import timezone

    from matrix.core.kltime import kl
    from matrix.fpx_simulator.services import simulator_sign
    from matrix.payments.models import Payment

    bodies, ids = [], []
    now = timezone.now()
    for number, payment in enumerate(Payment.objects.filter(status=Payment.Status.PENDING).order_by("pk")[:count]):
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


def queries_per_page(pages: dict[str, str], cookies: dict[str, dict[str, str]]) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url in pages.items():
        client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
        for key, value in cookies.get(name, {}).items():
            client.cookies[key] = value
        client.get(url)  # warm caches as the server's are warm
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        counts[name] = len(captured)
    return counts


def receipts_per_core_second(payment, seconds: float = 3.0) -> float:
    from matrix.payments.receipts import receipt_pdf

    receipt_pdf(payment=payment)
    made, began = 0, time.process_time()
    while time.process_time() - began < seconds:
        receipt_pdf(payment=payment)
        made += 1
    return made / (time.process_time() - began)


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
from django.utils import timezone
from datetime import timedelta
from matrix.payments.models import Payment
from matrix.payments.services.requery import payments_requery_run
# Make every pending payment due now (their first enquiry is otherwise 15 minutes after the AR).
Payment.objects.filter(status="PENDING").update(next_enquiry_at=timezone.now() - timedelta(seconds=1))
result = payments_requery_run(budget_seconds=900, batch=%d)
"""


def job(env: dict[str, str], body: str) -> dict:
    process = subprocess.run([PYTHON, "-c", JOB_SNIPPET.format(body=body)], env=env, cwd=BASE_DIR,  # noqa: S603
                             capture_output=True, text=True, timeout=1800)
    lines = [line for line in process.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"error": (process.stderr or process.stdout)[-400:]}
    return json.loads(lines[-1])


# -- the run ----------------------------------------------------------------------------------------------------

def main() -> int:
    env = profile_env()
    os.environ.update(env)
    import django

    django.setup()
    from deploy.serve import database_ensure

    database_ensure(DATABASE_URL)
    log_dir = JSON_PATH.parent
    log_dir.mkdir(parents=True, exist_ok=True)
    results: dict = {"people": PEOPLE, "seconds_per_page": SECONDS, "pages": {}, "started": time.time()}
    page_names = ["home (anonymous)", "login IC step", "self-employed home", "dashboard",
                  "Contribution History (12 rows)", "View Contribution", "Payment Details", "receipt PDF",
                  "staff person search", "staff reports", "healthz"]
    steps_names = ["migrate", "seed", "static", "start", "ceiling"] + page_names + [
        "ac", "queries", "receipts", "reminders", "requery", "memory"]
    with Steps(steps_names) as steps:
        results["data"] = data_ensure(steps)
        with steps.step("collecting static files"):
            subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=BASE_DIR,
                           check=True)
        chosen = targets()
        person_key = person_session(chosen["person"].user)
        staff_key = staff_session()
        contribution, payment = chosen["contribution"], chosen["payment"]
        pages = {
            "home (anonymous)": "/", "login IC step": "/accounts/login/", "self-employed home": "/self-employed/",
            "dashboard": "/self-employed/dashboard/", "Contribution History (12 rows)": "/self-employed/contributions/",
            "View Contribution": f"/self-employed/contributions/{contribution.pk}/",
            "Payment Details": f"/payments/{payment.pk}/", "receipt PDF": f"/payments/{payment.pk}/receipt.pdf",
            "staff person search": f"/staff/people/?q={chosen['person'].user.id_number}",
            "staff reports": "/staff/reports/", "healthz": "/healthz",
        }
        anonymous = {"home (anonymous)", "login IC step", "healthz"}
        cookie_for = {name: ({} if name in anonymous else
                             {"sessionid": staff_key if name.startswith("staff") else person_key})
                      for name in pages}
        with steps.step("starting gunicorn (portal and ceiling)"):
            web = gunicorn("config.wsgi", PORT, env, log_dir / "web.log")
            ceiling = gunicorn("benchmarks.ceiling:application", PORT + 1, env, log_dir / "ceiling.log")
        try:
            wait_ready(f"http://127.0.0.1:{PORT}/healthz", web)
            wait_ready(f"http://127.0.0.1:{PORT + 1}/", ceiling)
            base_headers = {"X-Forwarded-Proto": "https", "Accept-Language": "en"}
            with steps.step("ceiling: bare Django view"):
                ceiling_32 = wrk(f"http://127.0.0.1:{PORT + 1}/", connections=32, seconds=SECONDS,
                                 headers=base_headers)
                ceiling_4 = wrk(f"http://127.0.0.1:{PORT + 1}/", connections=4, seconds=max(2, SECONDS // 2),
                                headers=base_headers)
            results["ceiling"] = {"c32": ceiling_32, "c4": ceiling_4}
            for name, url in pages.items():
                with steps.step(name):
                    headers = dict(base_headers)
                    if cookie_for[name]:
                        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookie_for[name].items())
                    full = f"http://127.0.0.1:{PORT}{url}"
                    wrk(full, connections=4, seconds=1, headers=headers)  # warm up both workers
                    c32 = wrk(full, connections=32, seconds=SECONDS, headers=headers)
                    c4 = wrk(full, connections=4, seconds=max(2, SECONDS // 2), headers=headers)
                    results["pages"][name] = {"url": url, "c32": c32, "c4": c4,
                                              "share": round(c32["rps"] / ceiling_32["rps"], 3)
                                              if ceiling_32["rps"] else 0}
            with steps.step("FPX direct AC (distinct orders)"):
                bodies, ids = ac_bodies(AC_ORDERS)
                with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
                    handle.write("\n".join(bodies))
                with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                    script.write(AC_SCRIPT)
                os.environ["BENCH_AC_FILE"] = handle.name
                ac = wrk(f"http://127.0.0.1:{PORT}/payments/fpx/direct/", connections=32, seconds=SECONDS,
                         headers={}, script=script.name)
                from matrix.payments.models import Payment

                settled = Payment.objects.filter(pk__in=ids, status=Payment.Status.PAID).count()
                ac.update(orders=len(bodies), settled=settled,
                          distinct=ac["requests"] <= len(bodies),
                          share=round(ac["rps"] / ceiling_32["rps"], 3) if ceiling_32["rps"] else 0)
                results["fpx_direct_ac"] = ac
            with steps.step("queries per page (in process)"):
                results["queries"] = queries_per_page(pages, cookie_for)
            with steps.step("receipt PDFs per second per core"):
                results["receipts_per_core_second"] = round(receipts_per_core_second(payment), 1)
            with steps.step("renewal-reminder run over all people"):
                results["reminders"] = job(env, REMINDER_JOB)
            with steps.step("re-query of pending payments (simulator)"):
                results["requery"] = job(env, REQUERY_JOB % REQUERY_PAYMENTS)
            with steps.step("memory per web worker"):
                results["workers"] = workers_memory_mb(web)
        finally:
            stop(web)
            stop(ceiling)
    results["bench_process_peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    JSON_PATH.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    print(f"\nJSON: {JSON_PATH}")
    return 0


def print_table(results: dict) -> None:
    ceiling = results["ceiling"]
    print(f"\nMATRIX at {results['people']:,} people; wrk {results['seconds_per_page']} s per page on loopback; "
          "shares of the bare-Django ceiling measured in this run")
    print(f"{'page':<34}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'share':>8}{'p99@4 ms':>10}{'queries':>9}{'errors':>8}")
    print(f"{'bare Django view (ceiling)':<34}{ceiling['c32']['rps']:>9.0f}{ceiling['c32']['p50_ms']:>9.1f}"
          f"{ceiling['c32']['p99_ms']:>9.1f}{1:>8.3f}{ceiling['c4']['p99_ms']:>10.1f}{'-':>9}{'':>8}")
    for name, page in results["pages"].items():
        print(f"{name:<34}{page['c32']['rps']:>9.0f}{page['c32']['p50_ms']:>9.1f}{page['c32']['p99_ms']:>9.1f}"
              f"{page['share']:>8.3f}{page['c4']['p99_ms']:>10.1f}{results['queries'].get(name, '-'):>9}"
              f"{page['c32']['non_2xx_3xx']:>8}")
    ac = results.get("fpx_direct_ac", {})
    print(f"{'FPX direct AC (distinct orders)':<34}{ac.get('rps', 0):>9.0f}{ac.get('p50_ms', 0):>9.1f}"
          f"{ac.get('p99_ms', 0):>9.1f}{ac.get('share', 0):>8.3f}{'':>10}{'':>9}{ac.get('non_2xx_3xx', 0):>8}"
          f"   settled {ac.get('settled')} of {ac.get('orders')} orders")
    print(f"receipt PDFs per second per core: {results.get('receipts_per_core_second')}")
    print(f"renewal-reminder run over all people: {results.get('reminders')}")
    print(f"pending-payment re-query: {results.get('requery')}")
    print(f"web workers after the run: {results.get('workers')}")
    if "seed_seconds" in results.get("data", {}):
        print(f"seeded {results['people'] - results['data']['people_before']:,} people in "
              f"{results['data']['seed_seconds']} s")


if __name__ == "__main__":
    sys.exit(main())
