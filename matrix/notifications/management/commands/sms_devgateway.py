"""Serve the local SMS gateway (matrix.notifications.devgateway) until interrupted."""

from django.conf import settings
from django.core.management.base import BaseCommand

from matrix.notifications.devgateway import DevSmsGateway


class Command(BaseCommand):
    help = "Run a local HTTP SMS gateway (for SMS_BACKEND=http in development and the production-like profile)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--token", default=None, help="bearer token to require (default SMS_GATEWAY_TOKEN)")
        parser.add_argument("--receipt-url", default="", help="the portal's receipt URL, e.g. "
                            "http://127.0.0.1:8000/notifications/sms/receipt/ (default: no receipts)")

    def handle(self, *args, host, port, token, receipt_url, **options):
        gateway = DevSmsGateway(
            host=host, port=port, token=settings.SMS_GATEWAY_TOKEN if token is None else token,
            receipt_url=receipt_url, receipt_secret=settings.SMS_GATEWAY_RECEIPT_SECRET,
        )
        self.stdout.write(f"Local SMS gateway on {gateway.url} (SMS_BACKEND=http SMS_GATEWAY_URL={gateway.url})")
        try:
            gateway.serve_forever()
        except KeyboardInterrupt:
            pass
