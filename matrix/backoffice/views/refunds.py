"""Refunds (Supervisor): the list by state, Approve, and Mark as paid with the bank reference and date
(services.refunds). Thin."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matrix.backoffice import selectors_casework as selectors
from matrix.backoffice.forms_casework import RefundFilterForm, RefundPaidForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.backoffice.services.refunds import RefundRefused, refund_approve, refund_mark_paid


def _render(request: HttpRequest, *, paid_form=None, form_for=None, status: int = 200) -> HttpResponse:
    filter_form = RefundFilterForm(request.GET or None)
    state = filter_form.cleaned_data.get("state") if filter_form.is_valid() else None
    return render(request, "backoffice/refunds/list.html", {
        "filter_form": filter_form, "refunds": selectors.refunds_list(state=state or None),
        "paid_form": paid_form or RefundPaidForm(), "form_for": form_for,
    }, status=status)


@staff_required(Role.SUPERVISOR)
def refund_list(request: HttpRequest) -> HttpResponse:
    return _render(request)


@staff_required(Role.SUPERVISOR)
@require_POST
def refund_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        refund_approve(refund_id=pk, staff_user=request.user, request=request)
    except RefundRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Refund approved."))
    return redirect("backoffice:refund_list")


@staff_required(Role.SUPERVISOR)
@require_POST
def refund_paid_view(request: HttpRequest, pk: int) -> HttpResponse:
    form = RefundPaidForm(request.POST)
    if not form.is_valid():
        return _render(request, paid_form=form, form_for=pk, status=400)
    try:
        refund_mark_paid(refund_id=pk, bank_reference=form.cleaned_data["bank_reference"],
                         paid_on=form.cleaned_data["paid_on"], staff_user=request.user, request=request)
    except RefundRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Refund marked as paid; the person has been told."))
    return redirect("backoffice:refund_list")
