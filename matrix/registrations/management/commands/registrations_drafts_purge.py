"""Delete the draft uploads of registration forms abandoned before Submit & Pay (older than a day by default).
Scheduled by Celery beat (matrix.registrations.tasks.registrations_drafts_purge); this command runs it by hand or
from cron where no beat runs. Works alike on local disk and on S3: a draft's age is the time in its name."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from matrix.registrations.uploads import DRAFT_MAX_AGE, draft_files_purge


class Command(BaseCommand):
    help = "Delete abandoned registration draft uploads older than --hours (default 24)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=int(DRAFT_MAX_AGE.total_seconds() // 3600))

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours must be at least 1")
        deleted = draft_files_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} abandoned draft upload(s).")
