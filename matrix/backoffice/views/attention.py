"""Payments that need a person (Supervisor): the list with the reason and FPX log, Re-query now, and the three
outcomes (services.attention). Thin."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrix.backoffice import selectors_casework as selectors
from matrix.backoffice.audit import audit_record
from matrix.backoffice.forms_casework import SettlePaidForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.backoffice.services.attention import (
    AttentionRefused,
    attention_close_failed,
    attention_refund,
    attention_settle_paid,
)
from matrix.core.kltime import KL
from matrix.payments.services import payment_requery


@staff_required(Role.SUPERVISOR)
def attention_list(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/attention/list.html", {
        "payments": selectors.attention_list(), "settle_form": SettlePaidForm(),
    })


def _payment(pk: int):
    payment = selectors.attention_payment(payment_id=pk)
    if payment is None:
        raise Http404
    return payment


@staff_required(Role.SUPERVISOR)
@require_POST
def attention_requery(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment(pk)
    try:
        result = payment_requery(payment=payment, when="always")
    except Exception as exc:  # noqa: BLE001 - FPX unreachable: shown and audited, nothing changed
        outcome = f"enquiry failed: {exc}"
        messages.error(request, _("FPX could not be reached. Try again later."))
    else:
        outcome = result.outcome if result is not None else "not asked: another worker is asking"
        messages.info(request, _("FPX answered: %(outcome)s") % {"outcome": outcome})
    audit_record(request=request, action="payment.attention.requery", target=payment,
                 details={"outcome": outcome[:200]})
    return redirect("backoffice:attention_list")


@staff_required(Role.SUPERVISOR)
@require_POST
def attention_settle(request: HttpRequest, pk: int) -> HttpResponse:
    _payment(pk)
    form = SettlePaidForm(request.POST)
    if not form.is_valid():
        return render(request, "backoffice/attention/list.html", {
            "payments": selectors.attention_list(), "settle_form": form, "form_for": pk}, status=400)
    approved_at = form.cleaned_data["approved_at"]
    if timezone.is_naive(approved_at):
        approved_at = approved_at.replace(tzinfo=KL)
    try:
        payment = attention_settle_paid(payment_id=pk, fpx_txn_id=form.cleaned_data["fpx_txn_id"],
                                        approved_at=approved_at, staff_user=request.user, request=request)
    except AttentionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Settled as paid: receipt %(no)s.") % {"no": payment.receipt_no})
    return redirect("backoffice:attention_list")


def _decide(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    _payment(pk)
    try:
        service(payment_id=pk, staff_user=request.user, request=request)
    except AttentionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("backoffice:attention_list")


@staff_required(Role.SUPERVISOR)
@require_POST
def attention_fail(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, attention_close_failed, _("Closed as failed."))


@staff_required(Role.SUPERVISOR)
@require_POST
def attention_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, attention_refund, _("The payment is to be refunded: a refund is due."))
