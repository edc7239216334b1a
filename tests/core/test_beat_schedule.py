"""Every periodic task in the beat schedule names a task the worker knows (a typo would fail silently)."""

from django.conf import settings

from config.celery import app


def test_every_scheduled_task_is_registered():
    app.loader.import_default_modules()
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "matrix.payments.tasks.payments_requery_pending" in names
    for name in names:
        assert name in app.tasks, name
