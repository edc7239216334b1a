from django.core.management.base import BaseCommand

from matrix.core.tasks import housekeeping


class Command(BaseCommand):
    help = ("Delete expired sessions, old lockout records, expired CAPTCHA challenges and ended one-time codes and "
            "email links, and login tries older than the login budget's hour (also run hourly by Celery beat).")

    def handle(self, *args, **options):
        counts = housekeeping()
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
