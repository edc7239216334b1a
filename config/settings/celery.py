"""Celery on Redis in production; tasks run in-process (eagerly) when no broker is configured."""

from celery.schedules import crontab

from config.env import env, env_int

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Kuala_Lumpur"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Workers log through Django's LOGGING (JSON lines, request ids, redaction), not Celery's own root handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Pending FPX payments older than this are re-queried with an AE enquiry.
FPX_REQUERY_AFTER_SECONDS = env_int("FPX_REQUERY_AFTER_SECONDS", 15 * 60)
CELERY_BEAT_SCHEDULE = {
    "payments-requery-pending": {
        "task": "matrix.payments.tasks.payments_requery_pending",
        "schedule": env_int("FPX_REQUERY_EVERY_SECONDS", 5 * 60),
    },
    "registrations-drafts-purge": {
        "task": "matrix.registrations.tasks.registrations_drafts_purge",
        "schedule": 60 * 60,
    },
    "core-housekeeping": {
        "task": "matrix.core.tasks.housekeeping",
        "schedule": env_int("HOUSEKEEPING_EVERY_SECONDS", 60 * 60),
    },
    "notifications-messages-sweep": {
        "task": "matrix.notifications.tasks.messages_sweep",
        "schedule": env_int("MESSAGES_SWEEP_EVERY_SECONDS", 60),
    },
    # Renewal reminders once a day at RENEWAL_REMINDERS_HOUR (Kuala Lumpur); a repeated run sends nothing twice.
    "notifications-renewal-reminders": {
        "task": "matrix.notifications.tasks.renewal_reminders_daily",
        "schedule": crontab(minute=0, hour=env_int("RENEWAL_REMINDERS_HOUR", 9)),
    },
    # The staff reports' summary figures (matrix.reports.summary): the open days every few minutes, and a full
    # rebuild nightly (a person's new state or a refund that un-pays a past period).
    "reports-summary-refresh": {
        "task": "matrix.reports.tasks.reports_summary_refresh",
        "schedule": env_int("REPORTS_REFRESH_EVERY_SECONDS", 5 * 60),
    },
    "reports-summary-rebuild": {
        "task": "matrix.reports.tasks.reports_summary_refresh",
        "schedule": crontab(minute=30, hour=3),
        "kwargs": {"full": True},
    },
}
# Each periodic job is sent once per period even if two beats run (a lock in the shared cache).
CELERY_BEAT_SCHEDULER = "matrix.core.tasks:SingleRunScheduler"

# Housekeeping: ended one-time codes and email links are kept this long (they count towards the sending limits);
# django-axes access logs this many days.
HOUSEKEEPING_CODES_KEEP_HOURS = env_int("HOUSEKEEPING_CODES_KEEP_HOURS", 24)
HOUSEKEEPING_ACCESS_LOG_DAYS = env_int("HOUSEKEEPING_ACCESS_LOG_DAYS", 90)
