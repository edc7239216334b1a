"""Operations endpoints: /healthz (liveness), /readyz (readiness) and /metrics (Prometheus)."""

import hmac
import ipaddress
import logging
import os
import threading
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from matrix.core.client_ip import client_ip

logger = logging.getLogger(__name__)

OK = "ok"


@never_cache
@require_GET
def healthz(request):
    """Liveness (normally answered by matrix.core.middleware.HealthzMiddleware before any other middleware)."""
    return JsonResponse({"status": OK})


# --- readiness ------------------------------------------------------------------------------------------------------


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return OK


_redis_clients: dict[str, object] = {}
_redis_lock = threading.Lock()


def redis_client(url: str):
    """One client per URL and process, whose pool keeps its connection between probes: a new connection costs
    about 3 ms, a PING on a kept one 0.15 ms. redis-py's pool is thread-safe and starts afresh in a forked
    worker; a connection that died is replaced on the next command (health-checked after 30 s idle)."""
    client = _redis_clients.get(url)
    if client is None:
        import redis

        with _redis_lock:
            client = _redis_clients.get(url)
            if client is None:
                client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2,
                                              health_check_interval=30, retry_on_timeout=False)
                _redis_clients[url] = client
    return client


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    redis_client(settings.REDIS_URL).ping()
    return OK


def _check_broker() -> str:
    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return "not configured (tasks run in-process)"
    from kombu import Connection

    with Connection(url, connect_timeout=2, transport_options={"socket_timeout": 2}) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return OK


def _check_migrations() -> str:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} migration(s) not applied")
    return OK


def _check_storage() -> str:
    location = getattr(default_storage, "location", None)
    if location is not None and not hasattr(default_storage, "bucket_name"):
        os.makedirs(location, exist_ok=True)
        if not os.access(location, os.W_OK):
            raise RuntimeError("the documents folder is not writable")
    default_storage.exists("readyz-probe")  # S3: a HEAD on the bucket (credentials, reachability)
    return OK


def _check_fpx_certificate() -> str:
    from matrix.payments.fpx import config as fpx_config

    certificates = fpx_config.certificates()
    if not certificates:
        raise RuntimeError("no FPX certificate")
    latest = max(certificate.not_valid_after_utc for certificate in certificates)
    days = settings.READYZ_FPX_CERT_MIN_DAYS
    if latest < timezone.now() + timedelta(days=days):
        raise RuntimeError(f"FPX certificate ends on {latest:%Y-%m-%d}, less than {days} days from now")
    return OK


CHECKS = {
    "database": _check_database,
    "redis": _check_redis,
    "broker": _check_broker,
    "migrations": _check_migrations,
    "storage": _check_storage,
    "fpx_certificate": _check_fpx_certificate,
}


@never_cache
@require_GET
def readyz(request):
    """Readiness: each dependency the portal needs to serve; 503 when any of them fails."""
    results, healthy = {}, True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            healthy = False
            results[name] = f"error: {exc.__class__.__name__}: {exc}"[:300]
            logger.warning("readiness check %s failed: %s", name, results[name])
    return JsonResponse({"status": OK if healthy else "error", "checks": results}, status=200 if healthy else 503)


# --- metrics --------------------------------------------------------------------------------------------------------


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    for allowed in settings.METRICS_ALLOWED_IPS:
        try:
            if address in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            continue
    return False


@never_cache
@require_GET
def metrics(request):
    """Prometheus exposition, for METRICS_TOKEN (as a bearer token) or the addresses in METRICS_ALLOWED_IPS."""
    if not _metrics_allowed(request):
        return HttpResponse(status=403)
    from prometheus_client import CONTENT_TYPE_LATEST

    from matrix.core.metrics import metrics_text

    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)


def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever a page declares: send them to the portal's icon (its
    hashed name is read at request time, once the static files are collected)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
