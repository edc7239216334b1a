"""`manage.py send_renewal_reminders [--date YYYY-MM-DD]`: the reminders of one day (today in Kuala Lumpur by
default), as the daily job sends them. Running it again for the same day sends nothing twice."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from matrix.notifications.reminders import BATCH_SIZE, renewal_reminders_send


class Command(BaseCommand):
    help = "Send the renewal reminders of one day (30, 7, 1 days before a sector's cover ends, and the lapse day)."

    def add_arguments(self, parser):
        parser.add_argument("--date", dest="day", help="The day, YYYY-MM-DD (Kuala Lumpur); today by default.")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Sectors per transaction.")

    def handle(self, *args, day: str | None = None, batch_size: int = BATCH_SIZE, **options):
        try:
            chosen = date.fromisoformat(day) if day else None
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {day!r}") from exc
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        counts = renewal_reminders_send(day=chosen, batch_size=batch_size)
        self.stdout.write(" ".join(f"{kind}={count}" for kind, count in counts.items()))
