"""Gunicorn settings, read from the environment: `gunicorn -c config/gunicorn.py config.wsgi`.

GUNICORN_BIND (default HOST:PORT, i.e. 127.0.0.1:8000), WEB_CONCURRENCY (worker processes; default 2 x cores + 1),
GUNICORN_THREADS (threads per worker, default 4), GUNICORN_TIMEOUT (30 s), GUNICORN_MAX_REQUESTS (1000; a
worker is replaced after that many requests, with jitter), FORWARDED_ALLOW_IPS (the proxies whose
X-Forwarded-* headers are trusted, default 127.0.0.1), GUNICORN_CERTFILE / GUNICORN_KEYFILE (serve HTTPS itself).

MATRIX_SCHEDULER=1 (set by `make run`, the embedded default without a broker) starts `manage.py scheduler` beside
the arbiter: the periodic jobs of CELERY_BEAT_SCHEDULE run in-process, in one process whatever the number of
workers, and stop with gunicorn. Production leaves it off and runs one `celery beat`.
"""

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
# Threads: a request may wait on a host-to-host call (FPX enquiry, the simulator's bank list on the same host).
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "matrix"
chdir = str(BASE_DIR)
# Several gunicorns on one machine (app hosts in the tests, make run beside make serve) must not share the
# default control socket in ~/.gunicorn.
control_socket_disable = True
# TLS served by gunicorn itself (make serve on one machine); behind a load balancer that terminates TLS, leave unset.
certfile = os.environ.get("GUNICORN_CERTFILE") or None
keyfile = os.environ.get("GUNICORN_KEYFILE") or None

_scheduler: subprocess.Popen | None = None


def _scheduler_wanted() -> bool:
    return os.environ.get("MATRIX_SCHEDULER", "").lower() in {"1", "true", "yes", "on"}


def when_ready(server):
    """Start the in-process scheduler (embedded default only) once the arbiter listens."""
    global _scheduler
    if _scheduler_wanted() and _scheduler is None:
        _scheduler = subprocess.Popen([sys.executable, str(BASE_DIR / "manage.py"), "scheduler"], cwd=BASE_DIR)  # noqa: S603
        server.log.info("Started the scheduler (pid %s) for the periodic jobs", _scheduler.pid)


def on_exit(server):
    """Stop the scheduler with gunicorn."""
    if _scheduler is None or _scheduler.poll() is not None:
        return
    _scheduler.terminate()
    try:
        _scheduler.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _scheduler.kill()
        _scheduler.wait()


def post_fork(server, worker):
    """GUNICORN_SWITCH_INTERVAL_MS: how long a thread holding the GIL may keep it while another wants it (Python's
    default 5 ms). A request thread coming back from Redis or PostgreSQL waits up to that long behind a thread
    that is rendering; a shorter interval hands the GIL back sooner (measured in benchmarks/NOTES.md)."""
    value = os.environ.get("GUNICORN_SWITCH_INTERVAL_MS", "").strip()
    if value:
        sys.setswitchinterval(float(value) / 1000)


def post_worker_init(worker):
    """Once the worker has loaded the portal: move every object made so far (modules, URL patterns, templates,
    translations: some hundred thousand, alive for the worker's whole life) out of the garbage collector's sight
    (gc.freeze). Its full collections then walk only what requests made, instead of stopping a request for tens
    of milliseconds now and then (the p99 of benchmarks/NOTES.md)."""
    import gc

    gc.collect()
    gc.freeze()
