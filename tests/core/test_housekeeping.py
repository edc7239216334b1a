"""Issue 9 item 7: housekeeping deletes what only grows (expired sessions, lockout records past the cool-off,
expired CAPTCHA challenges, ended codes and links) and keeps what is still live; it is scheduled in beat, runs by
hand as a command, and a second beat does not send a periodic job twice."""

import io
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from celery.beat import ScheduleEntry
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from matrix.accounts.models import EmailLink, LoginAttempt, OneTimeCode, OtpPurpose
from matrix.core.tasks import SingleRunMemoryScheduler, housekeeping

pytestmark = pytest.mark.django_db


def _attempt(when, username):
    attempt = AccessAttempt.objects.create(username=username, ip_address="10.0.0.1", user_agent="x", http_accept="x",
                                           path_info="/accounts/login/", get_data="", post_data="",
                                           failures_since_start=5)
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)


def _code(user, *, created, closed=None, purpose=OtpPurpose.SIGNUP):
    return OneTimeCode.objects.create(user=user, purpose=purpose, code_hash="x" * 64, sent_to="60108877665",
                                      created_at=created, expires_at=created + timedelta(minutes=10),
                                      closed_at=closed)


def _link(user, *, created, token, closed=None, purpose="ACTIVATE"):
    return EmailLink.objects.create(user=user, purpose=purpose, token_hash=token * 64, sent_to="a@example.com",
                                    created_at=created, expires_at=created + timedelta(hours=24), closed_at=closed)


@pytest.fixture
def db_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def test_housekeeping_deletes_what_ended_and_keeps_what_is_live(user, other_user, db_sessions):
    now = timezone.now()
    # Sessions: one expired, one live.
    for expiry in (-60, 3600):
        store = SessionStore()
        store["x"] = 1
        store.set_expiry(expiry if expiry > 0 else 1)
        store.create()
        if expiry < 0:
            Session.objects.filter(session_key=store.session_key).update(expire_date=now - timedelta(seconds=60))
    # Lockouts: one past the cool-off, one still locking.
    cooloff = timedelta(hours=settings.AXES_COOLOFF_TIME)
    _attempt(now - cooloff - timedelta(minutes=1), "old")
    _attempt(now - cooloff + timedelta(minutes=5), "live")
    # CAPTCHA: one expired, one live.
    CaptchaStore.objects.create(challenge="A", response="a", expiration=now - timedelta(minutes=1))
    CaptchaStore.objects.create(challenge="B", response="b", expiration=now + timedelta(minutes=5))
    # Codes and links: ended two days ago (gone); ended an hour ago (kept: it still counts for the limits); open.
    _code(user, created=now - timedelta(days=2), closed=now - timedelta(days=2))
    _code(user, created=now - timedelta(hours=1), closed=now - timedelta(hours=1))
    _code(other_user, created=now - timedelta(days=3))  # never closed, expired long ago
    live_code = _code(user, created=now)
    _link(user, created=now - timedelta(days=3), token="a", closed=now - timedelta(days=2))
    live_link = _link(user, created=now, token="b")

    counts = housekeeping()

    assert counts == {"sessions": 1, "lockouts": 1, "captchas": 1, "codes": 3, "login_attempts": 0}
    assert Session.objects.count() == 1 and Session.objects.get().expire_date > now
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["live"]
    assert list(CaptchaStore.objects.values_list("challenge", flat=True)) == ["B"]
    assert set(OneTimeCode.objects.values_list("pk", flat=True)) == {live_code.pk, OneTimeCode.objects.filter(
        created_at__gt=now - timedelta(hours=2), closed_at__isnull=False).get().pk}
    assert list(EmailLink.objects.values_list("pk", flat=True)) == [live_link.pk]


def test_login_tries_that_left_the_budgets_hour_are_dropped_for_ics_never_tried_again():
    """The login drops an IC's old tries only when that IC is tried again; housekeeping drops the rest, and keeps
    the tries still inside the hour (they are the budget)."""
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for ic, age in (("900101140001", timedelta(hours=1)), ("900101140002", timedelta(days=3)),
                        ("900101140003", timedelta(minutes=59, seconds=59))):
            LoginAttempt.objects.create(id_number=ic, ip_address="10.0.0.1", created_at=now - age)
        counts = housekeeping()
    assert counts["login_attempts"] == 2
    assert list(LoginAttempt.objects.values_list("id_number", flat=True)) == ["900101140003"]


def test_the_command_runs_the_same_purges():
    CaptchaStore.objects.create(challenge="A", response="a", expiration=timezone.now() - timedelta(minutes=1))
    out = io.StringIO()
    call_command("housekeeping", stdout=out)
    assert "captchas: 1" in out.getvalue() and not CaptchaStore.objects.exists()


def test_housekeeping_is_in_the_beat_schedule_and_registered():
    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "matrix.core.tasks.housekeeping" in tasks and "matrix.core.tasks.housekeeping" in app.tasks
    assert settings.CELERY_BEAT_SCHEDULER == "matrix.core.tasks:SingleRunScheduler"


class RecordingScheduler(SingleRunMemoryScheduler):
    sent: list

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.name)


def _beat(sent):
    beat = RecordingScheduler(app=app, schedule={}, lazy=True)
    beat.sent = sent
    return beat


def test_two_beats_send_each_periodic_job_once_per_period():
    sent_a, sent_b = [], []
    beat_a, beat_b = _beat(sent_a), _beat(sent_b)
    entry = ScheduleEntry(name="core-housekeeping", task="matrix.core.tasks.housekeeping",
                          schedule=timedelta(seconds=300), app=app)
    start = 1_900_000_200  # a period boundary (a multiple of 300)
    with time_machine.travel(start + 10, tick=False):
        beat_a.apply_entry(entry)
    with time_machine.travel(start + 200, tick=False):
        beat_b.apply_entry(entry)  # the same period: the other beat already sent it
    assert sent_a == ["core-housekeeping"] and sent_b == []
    with time_machine.travel(start + 305, tick=False):
        beat_b.apply_entry(entry)
    with time_machine.travel(start + 310, tick=False):
        beat_a.apply_entry(entry)
    assert sent_a == ["core-housekeeping"] and sent_b == ["core-housekeeping"]
    # A different job has a lock of its own.
    other = ScheduleEntry(name="payments-requery-pending", task="x", schedule=timedelta(seconds=300), app=app)
    with time_machine.travel(start + 310, tick=False):
        beat_a.apply_entry(other)
    assert sent_a[-1] == "payments-requery-pending"
