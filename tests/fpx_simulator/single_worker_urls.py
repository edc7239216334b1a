"""URLconf for test_single_worker: the portal's URLs, with the merchant's direct URL answered by a recorder that
stands in for the merchant inside the same server process."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import urlpatterns as portal_urlpatterns

received: list[dict[str, str]] = []


@csrf_exempt
def direct_ac(request):
    received.append(request.POST.dict())
    return HttpResponse("OK", content_type="text/plain")


urlpatterns = [path("payments/fpx/direct/", direct_ac), *portal_urlpatterns]
