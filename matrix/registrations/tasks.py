"""Periodic work on registrations (scheduled by CELERY_BEAT_SCHEDULE in config/settings/celery.py)."""

from celery import shared_task

from matrix.registrations.uploads import draft_files_purge


@shared_task(name="matrix.registrations.tasks.registrations_drafts_purge")
def registrations_drafts_purge() -> int:
    """Delete draft uploads of registration forms abandoned more than a day ago."""
    return draft_files_purge()
