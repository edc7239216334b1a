import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_KEY = "last_activity"
ACTIVITY_COOKIE = "matrix_activity"


class SessionIdleTimeoutMiddleware:
    """End a signed-in session after SESSION_IDLE_TIMEOUT_SECONDS without a request.

    Every signed-in request (including "Stay signed in", which posts to accounts:session_extend) counts as
    activity. A request that arrives too late is logged out: pages are sent to the login page with a message,
    script calls (fetch with Accept: application/json or X-Requested-With) get a 401 JSON answer instead of a
    redirect they would silently follow.

    Cost: the session (a database row, or Redis) is rewritten only when its recorded last activity is older than
    SESSION_ACTIVITY_GRANULARITY_SECONDS. In between, the exact time of the last request travels in a small
    signed cookie bound to the session key, so the timeout (and the page's warning, which counts from the last
    page load) stays exact to the second. A browser that drops the cookie is judged on the session's time, at
    most one granularity older than its real activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated:
            return self.get_response(request)
        now = int(time.time())
        recorded = _int(request.session.get(SESSION_KEY))
        last = max(recorded or 0, _cookie_time(request) or 0) or None
        if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT_SECONDS:
            logout(request)
            if _wants_json(request):
                response = JsonResponse({"ok": False, "reason": "idle_timeout"}, status=401)
            else:
                messages.info(request, _("You were signed out because you were inactive. Please log in again."))
                # Staff sign in at the back office's own page, contributors at theirs.
                staff = request.path.startswith("/staff/") or request.path.startswith("/admin/")
                response = redirect("backoffice:login" if staff else settings.LOGIN_URL)
            response.delete_cookie(ACTIVITY_COOKIE, path="/")
            return response
        if recorded is None or now - recorded >= settings.SESSION_ACTIVITY_GRANULARITY_SECONDS:
            request.session[SESSION_KEY] = now
        response = self.get_response(request)
        session_key = getattr(request.session, "session_key", None)
        if request.user.is_authenticated and session_key:
            response.set_signed_cookie(
                ACTIVITY_COOKIE, str(now), salt=_salt(session_key), max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite=settings.SESSION_COOKIE_SAMESITE,
            )
        return response


def _salt(session_key: str) -> str:
    return f"matrix.accounts.activity:{session_key}"


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _cookie_time(request) -> int | None:
    session_key = request.session.session_key
    if not session_key:
        return None
    value = request.get_signed_cookie(ACTIVITY_COOKIE, default=None, salt=_salt(session_key))
    moment = _int(value)
    # A time from the future is nonsense (a clock jump): ignore it rather than keep the session alive on it.
    return moment if moment is not None and moment <= int(time.time()) + 5 else None


def _wants_json(request) -> bool:
    return (
        request.path == reverse("accounts:session_extend")
        or "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )
