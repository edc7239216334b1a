"""Housekeeping, and periodic jobs that run once per period however many beats are running.

`housekeeping` (hourly in CELERY_BEAT_SCHEDULE; `manage.py housekeeping` by hand) deletes what only grows:
expired sessions, django-axes attempts past the cool-off and old access logs, expired CAPTCHA challenges, and
one-time codes and email links that ended more than HOUSEKEEPING_CODES_KEEP_HOURS ago, and the login budget's
tries older than its hour.

`SingleRunScheduler` is the beat scheduler (CELERY_BEAT_SCHEDULER): before sending a periodic job it takes a
lock in the shared cache (Redis in production) named after the job and its period, so a second beat, started by
mistake or during a hand-over, sends nothing that the first one already sent.
"""

import logging
import time
from datetime import timedelta
from importlib import import_module

from celery import shared_task
from celery.beat import PersistentScheduler, Scheduler
from celery.schedules import schedule as interval_schedule
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)


# --- housekeeping ----------------------------------------------------------------------------------------------------


def sessions_purge() -> int:
    """Expired sessions. Database-backed engines: delete the rows; the cache engine expires its own keys."""
    engine = settings.SESSION_ENGINE
    if engine.endswith((".db", ".cached_db")):
        from django.contrib.sessions.models import Session

        return Session.objects.filter(expire_date__lt=timezone.now()).delete()[0]
    import_module(engine).SessionStore.clear_expired()
    return 0


def lockouts_purge() -> int:
    """django-axes: failed-login records (the lockouts) older than the cool-off, access logs older than
    HOUSEKEEPING_ACCESS_LOG_DAYS."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    now = timezone.now()
    cooloff = timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    deleted = AccessAttempt.objects.filter(attempt_time__lt=now - cooloff).delete()[0]
    logs_cutoff = now - timedelta(days=settings.HOUSEKEEPING_ACCESS_LOG_DAYS)
    deleted += AccessLog.objects.filter(attempt_time__lt=logs_cutoff).delete()[0]
    deleted += AccessFailureLog.objects.filter(attempt_time__lt=logs_cutoff).delete()[0]
    return deleted


def captchas_purge() -> int:
    from captcha.models import CaptchaStore

    return CaptchaStore.objects.filter(expiration__lte=timezone.now()).delete()[0]


def codes_purge() -> int:
    """One-time codes and email links that were used, replaced or expired before the retention cut-off (they
    still count towards the hourly sending limits until then)."""
    cutoff = timezone.now() - timedelta(hours=settings.HOUSEKEEPING_CODES_KEEP_HOURS)
    ended = Q(closed_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    deleted = 0
    for model_name in ("OneTimeCode", "EmailLink"):
        deleted += apps.get_model("accounts", model_name).objects.filter(ended).delete()[0]
    return deleted


def login_attempts_purge() -> int:
    """The login budget's tries (matrix/accounts/login_guard.py) that have left its hour: they count for nothing
    any more. The login drops an IC number's old rows when that IC is tried again; this drops the rest."""
    cutoff = timezone.now() - timedelta(hours=1)
    return apps.get_model("accounts", "LoginAttempt").objects.filter(created_at__lte=cutoff).delete()[0]


PURGES = {"sessions": sessions_purge, "lockouts": lockouts_purge, "captchas": captchas_purge, "codes": codes_purge,
          "login_attempts": login_attempts_purge}


@shared_task(name="matrix.core.tasks.housekeeping")
def housekeeping() -> dict[str, int]:
    """Run every purge; one failing does not stop the others. Returns rows deleted per purge (-1: failed)."""
    counts = {}
    for name, purge in PURGES.items():
        try:
            counts[name] = purge()
        except Exception:  # noqa: BLE001
            logger.exception("housekeeping: %s purge failed", name)
            counts[name] = -1
    logger.info("housekeeping: %s", counts)
    return counts


# --- one run per period, however many beats -------------------------------------------------------------------------


def _period_seconds(entry) -> float:
    if isinstance(entry.schedule, interval_schedule) and type(entry.schedule) is interval_schedule:
        return max(entry.schedule.run_every.total_seconds(), 1.0)
    return 60.0  # crontab and solar schedules fire at most once a minute


class SingleRunMixin:
    """Send a due entry only if this beat wins the lock of the entry's current period (cache.add is atomic in
    Redis). The lock lives for two periods, so it outlasts the period it guards."""

    lock_prefix = "beat-lock"

    def apply_entry(self, entry, producer=None):
        period = _period_seconds(entry)
        slot = int(time.time() // period)
        key = f"{self.lock_prefix}:{entry.name}:{slot}"
        try:
            won = cache.add(key, "1", timeout=int(period * 2) + 1)
        except Exception:  # noqa: BLE001 - with the cache down, running twice beats not running at all
            logger.warning("beat: cache unavailable, sending %s without the single-run lock", entry.name)
            won = True
        if not won:
            logger.info("beat: %s already sent for this period by another beat; skipped", entry.name)
            return None
        return super().apply_entry(entry, producer=producer)


class SingleRunScheduler(SingleRunMixin, PersistentScheduler):
    """The default beat scheduler (CELERY_BEAT_SCHEDULER)."""


class SingleRunMemoryScheduler(SingleRunMixin, Scheduler):
    """The same without a schedule file (tests, embedded runs)."""
