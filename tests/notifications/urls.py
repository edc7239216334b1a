"""The portal's URLs plus the provider callbacks (config/urls.py mounts them at /notifications/ once its owner
adds the line; this keeps the tests independent of that)."""

from django.urls import include, path

from config.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    *[pattern for pattern in portal_urlpatterns if "notifications_gateway" not in str(pattern)],
    path("notifications/", include("matrix.notifications.gateway_urls")),
]
