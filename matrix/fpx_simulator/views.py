"""The simulator's HTTP face: FPX's host-to-host endpoints (BE, AE), the browser's AR, and the bank's pages.
Thin: parsing and rendering here, the protocol in services.py."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matrix.core import localonly
from matrix.fpx_simulator import selectors, services
from matrix.fpx_simulator.forms import BankLoginForm
from matrix.fpx_simulator.models import SimulatedTransaction

TICKET_SALT = "fpx_simulator.bank_login"
TICKET_MAX_AGE = 30 * 60
# The bank's pages of a transaction open only in the browser that posted its AR (or for signed-in staff, who
# settle a pending one by hand from the index): the AR's answer sets a signed cookie listing the browser's tokens.
STARTED_COOKIE = "fpx_simulator_started"
STARTED_SALT = "fpx_simulator.started"
STARTED_MAX_AGE = 24 * 60 * 60
STARTED_KEEP = 20


class ThenResponse(HttpResponse):
    """A response that runs `then` after the server has sent it (WSGI servers call close() once the body is
    out), so work that calls back into this same server starts only when this request is over."""

    def __init__(self, *args, then=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._then = then

    def close(self):
        try:
            super().close()
        finally:
            then, self._then = self._then, None
            if then is not None:
                then()


def _message_body(request: HttpRequest) -> QueryDict:
    """A host-to-host message: an urlencoded body (also when the sender forgot the content type)."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.POST
    return QueryDict(request.body, encoding="utf-8")


def _message_response(fields: dict[str, str]) -> HttpResponse:
    return HttpResponse(urlencode(fields), content_type="text/plain; charset=utf-8")


def _message_refused(exc: services.MessageRefused) -> HttpResponse:
    return HttpResponse(f"ERROR: {exc}", status=400, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def banklist(request: HttpRequest) -> HttpResponse:
    """BE -> BC."""
    try:
        return _message_response(services.bank_list_answer(data=_message_body(request)))
    except services.MessageRefused as exc:
        return _message_refused(exc)


@csrf_exempt
@require_POST
def enquiry(request: HttpRequest) -> HttpResponse:
    """AE -> AC (the transaction's current state)."""
    try:
        return _message_response(services.enquiry_answer(data=_message_body(request)))
    except services.MessageRefused as exc:
        return _message_refused(exc)


@csrf_exempt  # posted by the browser from the merchant's site, as FPX receives it
@require_POST
def ar(request: HttpRequest) -> HttpResponse:
    merchant_base_url = getattr(settings, "FPX_SIMULATOR_MERCHANT_BASE_URL", "") or request.build_absolute_uri("/")
    try:
        txn = services.simulated_transaction_start(data=request.POST, merchant_base_url=merchant_base_url)
    except services.MessageRefused as exc:
        return render(request, "fpx_simulator/refused.html", {"reason": exc.reason}, status=400)
    response = redirect("fpx_simulator:bank_login", token=txn.bank_token)
    tokens = [txn.bank_token, *(t for t in _started_tokens(request) if t != txn.bank_token)][:STARTED_KEEP]
    response.set_signed_cookie(
        STARTED_COOKIE, ",".join(tokens), salt=STARTED_SALT, max_age=STARTED_MAX_AGE,
        path=reverse("fpx_simulator:index"), secure=request.is_secure(), httponly=True, samesite="Lax",
    )
    return response


def _started_tokens(request: HttpRequest) -> list[str]:
    """The bank tokens of the transactions this browser started (most recent first)."""
    value = request.get_signed_cookie(STARTED_COOKIE, default="", salt=STARTED_SALT, max_age=STARTED_MAX_AGE)
    return [token for token in value.split(",") if token]


class StartedElsewhere(Exception):
    pass


def _transaction_or_404(request: HttpRequest, token: str) -> SimulatedTransaction:
    txn = selectors.simulated_transaction_by_token(bank_token=token)
    if txn is None:
        raise Http404
    if token not in _started_tokens(request) and not localonly.staff_signed_in(request):
        raise StartedElsewhere
    return txn


def _started_elsewhere(request: HttpRequest) -> HttpResponse:
    return render(request, "fpx_simulator/elsewhere.html", status=403)


def _page_context(txn: SimulatedTransaction, **extra) -> dict:
    return {
        "txn": txn,
        "bank": txn.bank,
        "merchant_name": getattr(settings, "FPX_SIMULATOR_MERCHANT_NAME", "PERKESO"),
        **extra,
    }


def _answer_response(
    request: HttpRequest, txn: SimulatedTransaction, *, ac: dict[str, str], autosubmit: bool, then=None
) -> HttpResponse:
    """The bank's answer: a form that carries the signed AC to the merchant's indirect URL."""
    context = _page_context(
        txn,
        ac=ac,
        indirect_url=services.merchant_url(txn.merchant_base_url, services.INDIRECT_AC_PATH),
        autosubmit=autosubmit,
    )
    response = ThenResponse(render_to_string("fpx_simulator/answer.html", context, request), then=then)
    # The form posts to the merchant's host, which may not be this one.
    response._csp_update = {"form-action": [services.merchant_origin(txn.merchant_base_url)]}
    return response


@require_http_methods(["GET", "POST"])
def bank_login(request: HttpRequest, token: str) -> HttpResponse:
    """The bank's sign-in: any username and password."""
    try:
        txn = _transaction_or_404(request, token)
    except StartedElsewhere:
        return _started_elsewhere(request)
    form = BankLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if txn.is_final:
            return _answer_response(request, txn, ac=services.ac_for(txn), autosubmit=False)
        ticket = signing.dumps({"t": token, "u": username}, salt=TICKET_SALT)
        return render(request, "fpx_simulator/authorise.html", _page_context(txn, ticket=ticket, username=username))
    return render(request, "fpx_simulator/login.html", _page_context(txn, form=form),
                  status=400 if form.is_bound else 200)


@require_POST
def bank_authorise(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer's choice: Approve, Insufficient Funds, Cancel or Leave Pending. The answer page posts the
    indirect AC; the direct AC leaves from a background thread once that page has been sent."""
    try:
        txn = _transaction_or_404(request, token)
    except StartedElsewhere:
        return _started_elsewhere(request)
    try:
        ticket = signing.loads(request.POST.get("ticket", ""), salt=TICKET_SALT, max_age=TICKET_MAX_AGE)
    except signing.BadSignature:
        ticket = None
    if not ticket or ticket.get("t") != token:
        messages.error(request, _("Your session at the bank has ended. Please log in again."))
        return redirect("fpx_simulator:bank_login", token=token)
    outcome = request.POST.get("outcome", "")
    if outcome not in services.OUTCOMES:
        return render(request, "fpx_simulator/authorise.html",
                      _page_context(txn, ticket=request.POST["ticket"], username=ticket["u"],
                                    error=_("Choose what the bank answers.")), status=400)
    txn, changed = services.simulated_transaction_decide(transaction_id=txn.pk, outcome=outcome,
                                                         account_name=ticket["u"])
    ac = services.ac_for(txn)
    plan = services.direct_ac_plan(transaction=txn, ac=ac) if changed else None
    return _answer_response(request, txn, ac=ac, autosubmit=True, then=lambda: services.direct_ac_start(plan))


@require_GET
@localonly.local_only
def index(request: HttpRequest) -> HttpResponse:
    """The simulator's own list of recent transactions (development only), with a link to each bank page; on the
    machine's own address or for signed-in staff only (matrix.core.localonly)."""
    return render(request, "fpx_simulator/index.html", {
        "transactions": selectors.simulated_transaction_list(),
        "config": services.simulator_config(),
    })
