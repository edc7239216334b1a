"""Celery task of the reports' summary: a thin wrapper over matrix.reports.summary.

Beat runs it every REPORTS_REFRESH_EVERY_SECONDS (the "reports-summary-refresh" entry of CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from matrix.reports.summary import summary_refresh


@shared_task(name="matrix.reports.tasks.reports_summary_refresh", ignore_result=True)
def reports_summary_refresh(full: bool = False) -> dict:
    """Recompute the summary's open days. Safe to run twice, or twice at once."""
    return summary_refresh(full=full)
