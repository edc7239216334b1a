"""Load the demo account (and, through matrix.registrations.demo when present, its contribution history).
Safe to run again: existing demo data is kept."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from matrix.accounts.models import User

DEMO_ID_NUMBER = "900101145678"
DEMO_PASSWORD = "matrix-demo-2026"
DEMO_SECRET_PHRASE = "Blue hibiscus at dawn"


class Command(BaseCommand):
    help = "Load the demo account and its contribution history."

    @transaction.atomic
    def handle(self, *args, **options):
        user, created = User.objects.get_or_create(
            id_number=DEMO_ID_NUMBER,
            defaults={
                "full_name": "AHMAD BIN ABDULLAH",
                "email": "ahmad.demo@example.com",
                "mobile": "60108877665",
                "secret_phrase": DEMO_SECRET_PHRASE,
                "is_active": True,
                "activated_at": timezone.now(),
                "mobile_verified_at": timezone.now(),
                "email_verified_at": timezone.now(),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        try:
            from matrix.registrations.demo import demo_history_load
        except ImportError:
            demo_history_load = None
        if demo_history_load is not None:
            demo_history_load(user=user)
        self.stdout.write(f"Demo account: IC {DEMO_ID_NUMBER}, password {DEMO_PASSWORD!r}")
