from django.conf import settings

from matrix.core.localonly import request_is_local_or_staff


def portal(request):
    outbox_link = settings.OUTBOX_ENABLED and request is not None and request_is_local_or_staff(request)
    if request is not None:
        request.outbox_link = outbox_link  # the page cache keeps a page only for visitors with the same link
    return {
        "PORTAL_PHONE": "1-300-22-8000",
        "PORTAL_EMAIL": "perkeso@perkeso.gov.my",
        "OUTBOX_ENABLED": settings.OUTBOX_ENABLED,
        # The footer's Outbox link: only where the outbox answers (this machine, or staff past the second factor).
        "OUTBOX_LINK": outbox_link,
        "SESSION_IDLE_TIMEOUT_SECONDS": settings.SESSION_IDLE_TIMEOUT_SECONDS,
        "SESSION_WARNING_SECONDS": settings.SESSION_WARNING_SECONDS,
    }
