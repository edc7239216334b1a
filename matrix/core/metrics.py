"""Business gauges for Prometheus, read at scrape time: payments by status, messages by status, and the length of
the Celery queues. Request, database and cache metrics come from django-prometheus's middleware."""

import logging
import os

import prometheus_client
from django.apps import apps
from django.conf import settings
from django.db.models import Count
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)


def _by_status(app_label: str, model_name: str) -> dict[str, int] | None:
    """{status: count}, or None when the model (or its `status` field) does not exist in this release."""
    try:
        model = apps.get_model(app_label, model_name)
        model._meta.get_field("status")
    except LookupError:
        return None
    except Exception:  # noqa: BLE001 - FieldDoesNotExist
        return None
    rows = model.objects.order_by().values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def celery_queue_lengths() -> dict[str, int]:
    """{queue: waiting messages} for a Redis broker (LLEN of each queue's list); empty for other brokers."""
    url = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    queues = getattr(settings, "METRICS_CELERY_QUEUES", None) or ["celery"]
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return {queue: int(client.llen(queue)) for queue in queues}
    finally:
        client.close()


class MatrixCollector:
    """Registered once in prometheus_client's registry (matrix.core.apps); collect() runs on each scrape."""

    def describe(self):
        # Without describe(), registering would call collect() (and query the database) at start-up.
        yield GaugeMetricFamily("matrix_payments", "Payments by status", labels=["status"])
        yield GaugeMetricFamily("matrix_messages", "Messages by status", labels=["status"])
        yield GaugeMetricFamily("matrix_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"])

    def collect(self):
        for name, model, documentation in (("matrix_payments", ("payments", "Payment"), "Payments by status"),
                                           ("matrix_messages", ("notifications", "Message"), "Messages by status")):
            family = GaugeMetricFamily(name, documentation, labels=["status"])
            try:
                counts = _by_status(*model)
            except Exception:  # noqa: BLE001 - a scrape must not fail because one source is down
                logger.warning("metrics: counting %s failed", name, exc_info=True)
                counts = None
            for status, count in sorted((counts or {}).items()):
                family.add_metric([str(status)], count)
            yield family
        family = GaugeMetricFamily("matrix_celery_queue_length", "Messages waiting in a Celery queue",
                                   labels=["queue"])
        try:
            lengths = celery_queue_lengths()
        except Exception:  # noqa: BLE001
            logger.warning("metrics: reading the Celery queue length failed", exc_info=True)
            lengths = {}
        for queue, length in sorted(lengths.items()):
            family.add_metric([queue], length)
        yield family


_collector: MatrixCollector | None = None


def collector_register() -> MatrixCollector:
    global _collector
    if _collector is None:
        _collector = MatrixCollector()
        prometheus_client.REGISTRY.register(_collector)
    return _collector


def metrics_text() -> bytes:
    """The exposition text: this process's registry, or every worker's when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(collector_register())
    else:
        collector_register()
        registry = prometheus_client.REGISTRY
    return prometheus_client.generate_latest(registry)
