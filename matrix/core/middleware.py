"""Middleware that must run before everything else."""

from django.http import JsonResponse

from matrix.core import logging as core_logging

HEALTHZ_PATH = "/healthz"


class HealthzMiddleware:
    """Liveness: /healthz answers 200 while the process serves, for any Host and over plain http.

    It is first in MIDDLEWARE so that a load balancer's probe (addressed to an IP, without X-Forwarded-Proto) is
    answered before SecurityMiddleware's https redirect and before the ALLOWED_HOSTS check. It says nothing about
    the database or Redis: that is /readyz (matrix.core.views.readyz)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in (HEALTHZ_PATH, HEALTHZ_PATH + "/") and request.method in ("GET", "HEAD"):
            response = JsonResponse({"status": "ok"})
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)


class RequestIdMiddleware:
    """Give each request an id (the incoming X-Request-ID when sensible, else a new one), set it for the log
    lines and the tasks the request queues, and return it in the X-Request-ID response header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # META, not request.headers: building the headers mapping costs more than the rest of this middleware.
        value = core_logging.request_id_new(request.META.get("HTTP_X_REQUEST_ID"))
        request.request_id = value
        # Not reset on the way out: Django logs the response (django.request) after the middleware returns.
        # request_finished puts "-" back (matrix.core.apps).
        core_logging.request_id.set(value)
        response = self.get_response(request)
        response["X-Request-ID"] = value
        return response
