from django.conf import settings


def portal(request):
    return {
        "PORTAL_PHONE": "1-300-22-8000",
        "PORTAL_EMAIL": "perkeso@perkeso.gov.my",
        "OUTBOX_ENABLED": settings.OUTBOX_ENABLED,
        "SESSION_IDLE_TIMEOUT_SECONDS": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        "SESSION_WARNING_SECONDS": settings.SESSION_WARNING_SECONDS,
    }
