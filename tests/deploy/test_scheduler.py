"""`manage.py scheduler`: the periodic jobs of CELERY_BEAT_SCHEDULE run in-process for the embedded default."""

import io
import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import pytest
from celery import shared_task
from celery.schedules import schedule
from django.core.management import call_command

from config.celery import app
from matrix.core.management.commands.scheduler import Job, jobs_due_run, jobs_from_schedule
from tests.deploy.conftest import ROOT, clean_env, wait_for

RUNS: list[str] = []


@shared_task(name="tests.deploy.tick")
def tick(label: str = "tick") -> str:
    RUNS.append(label)
    return label


@shared_task(name="tests.deploy.boom")
def boom() -> None:
    RUNS.append("boom")
    raise RuntimeError("the job broke")


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _job(name: str, task: str, every: float, clock: Clock, **kwargs) -> Job:
    return Job(name=name, task=task, schedule=schedule(timedelta(seconds=every), nowfun=clock, app=app),
               last_run_at=clock(), **kwargs)


# job_run closes stale connections as a long-lived process must; outside a test transaction that is harmless.
@pytest.mark.django_db(transaction=True)
def test_each_job_runs_on_its_own_interval_and_not_before():
    clock = Clock()
    fast = _job("fast", "tests.deploy.tick", 60, clock, kwargs={"label": "fast"})
    slow = _job("slow", "tests.deploy.tick", 300, clock, kwargs={"label": "slow"})

    wait = jobs_due_run([fast, slow], app=app, now_fn=clock)
    assert RUNS == [] and 0 < wait <= 60  # like beat: the first run comes one interval after start

    clock.advance(61)
    jobs_due_run([fast, slow], app=app, now_fn=clock)
    assert RUNS == ["fast"]

    clock.advance(30)
    jobs_due_run([fast, slow], app=app, now_fn=clock)
    assert RUNS == ["fast"]

    clock.advance(240)
    jobs_due_run([fast, slow], app=app, now_fn=clock)
    assert RUNS == ["fast", "fast", "slow"]


# job_run closes stale connections as a long-lived process must; outside a test transaction that is harmless.
@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_logged_and_neither_stops_the_others_nor_its_own_next_run(caplog):
    clock = Clock()
    broken = _job("broken", "tests.deploy.boom", 60, clock)
    healthy = _job("healthy", "tests.deploy.tick", 60, clock)
    caplog.set_level(logging.ERROR, logger="matrix.scheduler")

    clock.advance(61)
    jobs_due_run([broken, healthy], app=app, now_fn=clock)
    assert RUNS == ["boom", "tick"]
    assert any("job broken failed" in record.getMessage() for record in caplog.records)

    clock.advance(61)
    jobs_due_run([broken, healthy], app=app, now_fn=clock)
    assert RUNS == ["boom", "tick", "boom", "tick"]


def test_jobs_come_from_the_beat_schedule_with_their_arguments(settings):
    clock = Clock()
    jobs = jobs_from_schedule({"a": {"task": "tests.deploy.tick", "schedule": 120, "kwargs": {"label": "a"}},
                               "b": {"task": "tests.deploy.tick", "schedule": timedelta(minutes=5)}},
                              app=app, now=clock())
    assert [(job.name, job.schedule.run_every, job.kwargs) for job in jobs] == [
        ("a", timedelta(seconds=120), {"label": "a"}), ("b", timedelta(minutes=5), {})]


# job_run closes stale connections as a long-lived process must; outside a test transaction that is harmless.
@pytest.mark.django_db(transaction=True)
def test_once_runs_every_job_of_the_beat_schedule_now(settings):
    settings.CELERY_BEAT_SCHEDULE = {
        "one": {"task": "tests.deploy.tick", "schedule": 3600, "kwargs": {"label": "one"}},
        "two": {"task": "tests.deploy.tick", "schedule": 60, "args": ["two"]},
    }
    call_command("scheduler", "--once", stdout=io.StringIO())
    assert sorted(RUNS) == ["one", "two"]


# job_run closes stale connections as a long-lived process must; outside a test transaction that is harmless.
@pytest.mark.django_db(transaction=True)
def test_once_fails_when_a_job_fails(settings):
    settings.CELERY_BEAT_SCHEDULE = {"bad": {"task": "tests.deploy.boom", "schedule": 60}}
    with pytest.raises(SystemExit):
        call_command("scheduler", "--once", stdout=io.StringIO())


def test_every_job_of_the_real_schedule_is_a_known_task(settings):
    app.loader.import_default_modules()
    jobs = jobs_from_schedule(settings.CELERY_BEAT_SCHEDULE, app=app, now=app.now())
    assert jobs and all(job.task in app.tasks for job in jobs)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return True


def test_the_scheduler_stops_on_sigterm_and_when_its_parent_goes_away(processes, tmp_path):
    env = clean_env(DJANGO_SETTINGS_MODULE="config.django.local", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    # Stopped by SIGTERM (what gunicorn's on_exit hook sends).
    direct = processes.start("scheduler", [sys.executable, "manage.py", "scheduler"], env=env)
    wait_for(lambda: "scheduler: started" in processes.log("scheduler"), timeout=60, what="the scheduler to start",
             alive=lambda: processes.check_running("scheduler"))
    os.kill(direct.pid, signal.SIGTERM)
    assert direct.wait(timeout=30) == 0
    assert "scheduler: stopped" in processes.log("scheduler")

    # Its parent killed outright (no hook runs): the scheduler notices and stops on its own.
    parent_code = ("import subprocess, sys, time; "
                   f"child = subprocess.Popen([sys.executable, {str(ROOT / 'manage.py')!r}, 'scheduler']); "
                   "print('child', child.pid, flush=True); time.sleep(3600)")
    parent = processes.start("parent", [sys.executable, "-c", parent_code], env=env)
    wait_for(lambda: "scheduler: started" in processes.log("parent"), timeout=60, what="the child scheduler",
             alive=lambda: processes.check_running("parent"))
    child_pid = int(processes.log("parent").split("child ", 1)[1].split()[0])
    os.kill(parent.pid, signal.SIGKILL)
    wait_for(lambda: _gone(child_pid), timeout=30, what="the orphaned scheduler to stop")
