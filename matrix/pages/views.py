"""Public pages: home (for a visitor, and the cover at a glance for a signed-in person), benefits with the
calculator, the coverage check, the content pages (Help, FAQ, Terms & Conditions, Contact Us, edited in the back
office) and the error pages."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from matrix.core.client_ip import client_ip
from matrix.core.context_processors import portal
from matrix.core.kltime import kl_now
from matrix.pages import selectors
from matrix.pages.forms import BenefitsForm, CoverageCheckForm
from matrix.pages.selectors import compulsory_sectors, content_page_shown, home_cover, plans_in_force

COVERAGE_CHECK_IP_GROUP = "pages.coverage_check.ip"
COVERAGE_CHECK_IC_GROUP = "pages.coverage_check.ic"


@require_safe
def home(request):
    today = kl_now().date()
    context = {"plans": plans_in_force(today=today), "compulsory": compulsory_sectors()}
    if request.user.is_authenticated:
        context["home"] = home_cover(user=request.user)
    return render(request, "pages/home.html", context)


def _content(request, slug: str):
    return render(request, "pages/content.html", {"page": content_page_shown(slug=slug)})


def help_page(request):
    return _content(request, "help")


def faq(request):
    return _content(request, "faq")


def terms(request):
    return _content(request, "terms")


def contact(request):
    return _content(request, "contact")


@require_safe
def benefits(request):
    """The benefits in plain words and the calculator: a GET form (works without JavaScript); the page holds every
    plan's row, and pages/benefits.js shows the chosen one as the choice changes. A choice that is not a plan in
    force shows an error and all plans."""
    plans = plans_in_force(today=kl_now().date())
    form = BenefitsForm(request.GET if "plan" in request.GET else None,
                        plan_numbers=[plan.number for plan in plans])
    chosen = form.chosen()
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "pages/benefits.html", {"form": form, "plans": plans, "chosen": chosen}, status=status)


def _too_many(request):
    response = render(request, "pages/too_many.html", status=429)
    response["Retry-After"] = "3600"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def coverage_check(request):
    """Anyone may ask whether an IC number is covered today in a sector. The answer is only "covered until
    <date>" or "not covered": an IC number without an account gets exactly the uncovered answer, through the same
    query and template. Posted (the IC number stays out of addresses and logs); counted per client address
    (every post) and per IC number (every valid post); over either limit, 429 and no look-up."""
    now = kl_now()
    form = CoverageCheckForm(request.POST if request.method == "POST" else None, today=now.date())
    answer = None
    if request.method == "POST":
        if is_ratelimited(request, group=COVERAGE_CHECK_IP_GROUP, key=lambda _g, r: client_ip(r) or "unknown",
                          rate=settings.COVERAGE_CHECK_RATE_IP, method=ALL, increment=True):
            return _too_many(request)
        if form.is_valid():
            id_number, sector = form.cleaned_data["id_number"], form.cleaned_data["sector"]
            if is_ratelimited(request, group=COVERAGE_CHECK_IC_GROUP, key=lambda _g, _r: id_number,
                              rate=settings.COVERAGE_CHECK_RATE_IC, method=ALL, increment=True):
                return _too_many(request)
            answer = {"sector": sector, "checked_at": now,
                      "until": selectors.coverage_check(id_number=id_number, sector=sector, now=now)}
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "pages/coverage_check.html", {"form": form, "answer": answer}, status=status)


# --- Error pages -----------------------------------------------------------------------------------------------
# 403 and 404 use Django's handlers (templates/403.html, 404.html, rendered with the request's context). 400 and
# 500 render without the request: no context processors and no database (a 500 may come from the database
# itself), with the few values the layout needs given here. The language is the one the request had.


def _bare_context() -> dict:
    """The portal's constants (matrix.core.context_processors.portal reads settings only), without a request."""
    return {**portal(None), "LANGUAGE_CODE": get_language() or settings.LANGUAGE_CODE}


def bad_request(request, exception=None, template_name="400.html"):
    return HttpResponseBadRequest(loader.get_template(template_name).render(_bare_context()))


def server_error(request, template_name="500.html"):
    return HttpResponseServerError(loader.get_template(template_name).render(_bare_context()))


def _retry_url(request) -> str:
    """The page the refused form was on (the Referer, when it is this site's), else the address posted to."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the form expired or cookies are off; in the portal's layout, with a way back."""
    response = render(request, "403_csrf.html", {"retry_url": _retry_url(request)}, status=403)
    response["Cache-Control"] = "no-store"
    return response

