"""Health, readiness and metrics.

/healthz (liveness) answers for any Host over http; /readyz checks the database, Redis, the broker, migrations,
storage and the FPX certificate; /metrics (Prometheus, django-prometheus plus matrix gauges) answers only the
bearer METRICS_TOKEN or the addresses in METRICS_ALLOWED_IPS (this machine by default).
"""

from config.env import env, env_int, env_list

METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
# Celery queues whose length /metrics reports (LLEN on a Redis broker).
METRICS_CELERY_QUEUES = env_list("METRICS_CELERY_QUEUES", ["celery"])
# /readyz fails when FPX's newest certificate ends sooner than this.
READYZ_FPX_CERT_MIN_DAYS = env_int("READYZ_FPX_CERT_MIN_DAYS", 30)
PROMETHEUS_EXPORT_MIGRATIONS = False
