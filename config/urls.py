from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from matrix.api.api import api as api_v1
from matrix.core import views as core_views

urlpatterns = [
    path("", include("matrix.pages.urls")),
    # Browsers and crawlers ask for /favicon.ico whatever the page declares: send them to the portal's icon.
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("matrix.accounts.urls")),
    path("self-employed/", include("matrix.registrations.urls")),
    path("self-employed/contributions/", include("matrix.contributions.urls")),
    path("payments/", include("matrix.payments.urls")),
    path("captcha/", include("captcha.urls")),
    # SMS gateway delivery receipts (answers 404 while SMS_GATEWAY_RECEIPT_SECRET is empty).
    path("notifications/", include("matrix.notifications.gateway_urls")),
    path("messages/", include("matrix.notifications.person_urls")),
    path("staff/", include("matrix.backoffice.urls")),
    path("api/v1/", api_v1.urls),
    path("admin/", admin.site.urls),
]

# 403 and 404 are Django's handlers with templates/403.html and 404.html; 400 and 500 render the portal's page
# without the request (no context processors, no database).
handler400 = "matrix.pages.views.bad_request"
handler500 = "matrix.pages.views.server_error"

if settings.OUTBOX_ENABLED:
    urlpatterns.append(path("dev/outbox/", include("matrix.notifications.urls")))

if settings.FPX_SIMULATOR_ENABLED:
    urlpatterns.append(path("fpx-simulator/", include("matrix.fpx_simulator.urls")))
