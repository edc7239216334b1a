import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "last_activity"


class SessionIdleTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT_SECONDS without a request.

    Every signed-in request (including "Stay signed in", which posts to accounts:session_extend) counts as
    activity. A request that arrives too late is logged out: pages are sent to the login page with a message,
    script calls (fetch with Accept: application/json or X-Requested-With) get a 401 JSON answer instead of a
    redirect they would silently follow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SESSION_KEY)
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT_SECONDS:
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"ok": False, "reason": "idle_timeout"}, status=401)
                messages.info(request, _("You were signed out because you were inactive. Please log in again."))
                return redirect(settings.LOGIN_URL)
            request.session[SESSION_KEY] = now
        return self.get_response(request)


def _wants_json(request) -> bool:
    return (
        request.path == reverse("accounts:session_extend")
        or "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )
