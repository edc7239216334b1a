"""The ceiling of `make bench`: a bare Django view (no middleware, no database, no templates) under the same
gunicorn configuration as the portal. `gunicorn -c config/gunicorn.py benchmarks.ceiling:application`."""

from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False, SECRET_KEY="bench-ceiling-only", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, MIDDLEWARE=[],
        INSTALLED_APPS=[], DATABASES={}, USE_I18N=False,
    )

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def bare(request):
    return HttpResponse(b"Hello, World!", content_type="text/plain")


urlpatterns = [path("", bare)]

application = get_wsgi_application()
