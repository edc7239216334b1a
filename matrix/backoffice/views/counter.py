"""Counter payments (Officer): find a person's Submitted contributions, then record the payment taken at the
branch (services.counter; it settles through the same approval path as FPX). Thin."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from matrix.backoffice import selectors_casework as selectors
from matrix.backoffice.forms_casework import CounterPaymentForm, CounterSearchForm
from matrix.backoffice.models import Role
from matrix.backoffice.permissions import staff_required
from matrix.backoffice.services.counter import CounterRefused, counter_payment_record
from matrix.contributions.models import Contribution


@staff_required(Role.OFFICER)
def counter_search(request: HttpRequest) -> HttpResponse:
    form = CounterSearchForm(request.GET or None)
    rows = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        rows = selectors.counter_contributions(query=form.cleaned_data["q"])
    return render(request, "backoffice/counter/search.html", {"form": form, "rows": rows})


@staff_required(Role.OFFICER)
def counter_record(request: HttpRequest, pk: int) -> HttpResponse:
    contribution = selectors.counter_contribution(contribution_id=pk)
    if contribution is None:
        raise Http404
    payable = contribution.state == Contribution.State.AWAITING_PAYMENT
    form = CounterPaymentForm(request.POST or None)
    status = 200
    if request.method == "POST" and payable:
        if form.is_valid() and form.cleaned_data["amount"] != contribution.amount:
            form.add_error("amount", _("The amount must equal the amount due (RM %(due)s).") % {
                "due": contribution.amount})
        if form.is_valid():
            try:
                payment = counter_payment_record(
                    contribution_id=pk, amount=form.cleaned_data["amount"],
                    counter_method=form.cleaned_data["counter_method"], branch=form.cleaned_data["branch"],
                    reference=form.cleaned_data["reference"], staff_user=request.user, request=request)
            except CounterRefused as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Payment recorded. Receipt No. %(no)s, Payment Method %(method)s.") % {
                    "no": payment.receipt_no, "method": payment.method_label})
                return redirect(f"{request.path}?done={payment.pk}")
        status = 400
    return render(request, "backoffice/counter/record.html",
                  {"contribution": contribution, "form": form, "payable": payable}, status=status)
