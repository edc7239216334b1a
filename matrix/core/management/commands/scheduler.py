"""`manage.py scheduler`: the periodic jobs of settings.CELERY_BEAT_SCHEDULE, run in this process on their
schedule, for the embedded default (no broker, no beat): payment re-query, purges, reminders.

`make run` starts it beside gunicorn (config/gunicorn.py, MATRIX_SCHEDULER=1) and it stops with it: on SIGTERM or
SIGINT, and when its parent process goes away. A production deployment runs `celery beat` instead (one beat),
whose schedule is the same dictionary.

Each job runs eagerly (`task.apply()`), one at a time; a job that fails is logged and runs again at its next time,
and never stops the others. Like beat, a job first runs one interval after start; `--once` runs every job now and
exits (for cron, or by hand).
"""

import logging
import os
import signal
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger("matrix.scheduler")

# How often the loop wakes at most, to notice a stop request or a parent that went away.
WAKE_SECONDS = 1.0


@dataclass
class Job:
    name: str
    task: str
    schedule: Any  # a celery schedule: is_due(last_run_at) -> (due, seconds to next check)
    args: tuple = ()
    kwargs: dict | None = None
    last_run_at: datetime | None = None


def jobs_from_schedule(beat_schedule: dict, *, app, now: datetime) -> list[Job]:
    """One Job per beat entry; each counts its first interval from `now` (as beat does)."""
    jobs = []
    for name, entry in beat_schedule.items():
        jobs.append(
            Job(
                name=name,
                task=entry["task"],
                schedule=maybe_schedule(entry["schedule"], app=app),
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
                last_run_at=now,
            )
        )
    return jobs


def job_run(job: Job, *, app) -> bool:
    """Run one job eagerly in this process; True when it succeeded. Errors are logged, never raised."""
    close_old_connections()
    try:
        task = app.tasks[job.task]
        result = task.apply(args=job.args, kwargs=job.kwargs or {}, throw=False)
        if result.failed():
            logger.error("scheduler: job %s failed: %r", job.name, result.result)
            return False
        logger.info("scheduler: job %s done: %s", job.name, result.result)
        return True
    except Exception:  # noqa: BLE001 - one job's failure never stops the scheduler
        logger.exception("scheduler: job %s failed", job.name)
        return False
    finally:
        close_old_connections()


def jobs_due_run(jobs: list[Job], *, app, now_fn) -> float:
    """Run every job that is due; return how many seconds until the next one may be due."""
    wait = None
    for job in jobs:
        due, next_check = job.schedule.is_due(job.last_run_at)
        if due:
            job.last_run_at = now_fn()
            job_run(job, app=app)
            due, next_check = job.schedule.is_due(job.last_run_at)
        wait = next_check if wait is None else min(wait, next_check)
    return wait if wait is not None else WAKE_SECONDS


class Command(BaseCommand):
    help = "Run the periodic jobs of CELERY_BEAT_SCHEDULE in this process (embedded default; production: celery beat)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once now and exit.")

    def handle(self, *args, once: bool = False, **options):
        from config.celery import app

        app.loader.import_default_modules()
        jobs = jobs_from_schedule(settings.CELERY_BEAT_SCHEDULE, app=app, now=app.now())
        missing = [job.task for job in jobs if job.task not in app.tasks]
        if missing:
            logger.error("scheduler: unknown tasks in CELERY_BEAT_SCHEDULE: %s", ", ".join(missing))
        if once:
            ok = [job_run(job, app=app) for job in jobs if job.task not in missing]
            if not all(ok) or missing:
                raise SystemExit(1)
            return

        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        parent = os.getppid()
        described = ", ".join(f"{job.name} every {job.schedule}" for job in jobs)
        logger.info("scheduler: started (pid %s) with %s", os.getpid(), described)
        runnable = [job for job in jobs if job.task not in missing]
        while not stop.is_set():
            wait = jobs_due_run(runnable, app=app, now_fn=app.now)
            stop.wait(max(0.05, min(wait, WAKE_SECONDS)))
            if os.getppid() != parent:
                logger.info("scheduler: parent %s went away; stopping", parent)
                break
        logger.info("scheduler: stopped")
