"""The reports' summary is kept up to date by the periodic jobs (beat in production, `manage.py scheduler` on the
embedded default): the open days every few minutes and a full rebuild at night, both through the registered task."""

import pytest
from django.conf import settings

from config.celery import app
from matrix.core.management.commands.scheduler import job_run, jobs_from_schedule
from matrix.reports.models import SummaryState
from tests.factories import contribution_make

pytestmark = pytest.mark.django_db

app.loader.import_default_modules()


def test_the_summary_refresh_and_the_nightly_rebuild_are_scheduled():
    refresh = settings.CELERY_BEAT_SCHEDULE["reports-summary-refresh"]
    rebuild = settings.CELERY_BEAT_SCHEDULE["reports-summary-rebuild"]
    assert refresh["task"] == rebuild["task"] == "matrix.reports.tasks.reports_summary_refresh"
    assert refresh["task"] in app.tasks
    assert rebuild["kwargs"] == {"full": True}
    assert not refresh.get("kwargs")


# job_run closes stale connections as a long-lived process must: outside a test transaction.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["reports-summary-refresh", "reports-summary-rebuild"])
def test_each_scheduled_entry_runs_the_refresh(name):
    contribution_make()
    jobs = jobs_from_schedule({name: settings.CELERY_BEAT_SCHEDULE[name]}, app=app, now=app.now())
    assert job_run(jobs[0], app=app)
    assert SummaryState.objects.filter(pk=1).exists()
