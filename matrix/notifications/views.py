from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from matrix.notifications.selectors import outbox_list


def outbox(request):
    """Every SMS and email sent on the embedded default, newest first. Never served in production."""
    if not settings.OUTBOX_ENABLED:
        raise Http404
    return render(request, "notifications/outbox.html", {"messages_sent": outbox_list(to=request.GET.get("to"))})
