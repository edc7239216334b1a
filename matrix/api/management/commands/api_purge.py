"""Delete what the API no longer needs: idempotency records past their 24 hours, and API sessions that can no
longer be used (refresh token expired, or revoked) for more than a day. Safe to run at any time (cron or beat)."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from matrix.api.idempotency import idempotency_purge
from matrix.api.models import ApiSession


class Command(BaseCommand):
    help = "Delete expired idempotency records and dead API sessions."

    def handle(self, *args, **options):
        now = timezone.now()
        records = idempotency_purge(now=now)
        day_ago = now - timedelta(days=1)
        sessions, _detail = ApiSession.objects.filter(
            Q(refresh_expires_at__lte=day_ago) | Q(revoked_at__lte=day_ago)
        ).delete()
        self.stdout.write(f"{records} idempotency records and {sessions} API sessions deleted")
