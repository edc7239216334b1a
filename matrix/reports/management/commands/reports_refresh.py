"""Bring the reports' summary up to date now (what the periodic job does), or rebuild every day with --full.

    python manage.py reports_refresh [--full]"""

import time

from django.core.management.base import BaseCommand

from matrix.reports.summary import summary_refresh


class Command(BaseCommand):
    help = "Bring the reports' summary up to date (--full: recompute every day since the first data)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recompute every day, not only the open ones")

    def handle(self, *args, full: bool = False, **options):
        began = time.monotonic()
        done = summary_refresh(full=full)
        self.stdout.write(f"Reports summary: days {done['from']} to {done['to']}, {done['rows']} rows, "
                          f"{time.monotonic() - began:.1f} s.")
