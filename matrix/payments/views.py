"""The person's FPX flow (PAY NOW -> PAY WITH FPX -> the bank -> PAYMENT DETAILS), the receipt, and the two
URLs FPX calls back (direct AC host to host, indirect AC through the browser). Views only parse, call a
service or selector, and render."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from matrix.contributions.models import Contribution
from matrix.core.client_ip import client_ip
from matrix.payments import selectors, services
from matrix.payments.forms import BankForm, PayNowForm
from matrix.payments.fpx import client
from matrix.payments.fpx.codes import code_meaning
from matrix.payments.fpx.exceptions import GatewayError, PaymentError, UnableToTakePayment
from matrix.payments.models import FpxMessage, Payment

logger = logging.getLogger(__name__)

ENQUIRY_MIN_INTERVAL = timedelta(seconds=60)


def _ack_key(contribution_id: int) -> str:
    return f"payments:terms:{contribution_id}"


def _not_payable_redirect(request, contribution: Contribution):
    """Where a contribution that cannot be paid now sends the person: its payment in progress or its paid
    payment, or the history with a message. None when it can be paid."""
    pending = selectors.contribution_payment_pending(contribution=contribution)
    if pending is not None:
        messages.warning(request, _("FPX transaction is in progress. Please retry after 60 minutes."))
        return redirect("payments:detail", payment_id=pending.pk)
    paid = selectors.contribution_payment_paid(contribution=contribution)
    if paid is not None:
        messages.info(request, _("This contribution is already paid."))
        return redirect("payments:detail", payment_id=paid.pk)
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        messages.error(request, _("This contribution cannot be paid."))
        return redirect("contributions:history")
    return None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pay_now(request, contribution_id: int):
    """PAY NOW: the amount, the Terms and Conditions, Internet Banking."""
    contribution = selectors.contribution_get_for_owner(contribution_id=contribution_id, user=request.user)
    elsewhere = _not_payable_redirect(request, contribution)
    if elsewhere is not None:
        return elsewhere
    form = PayNowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request.session[_ack_key(contribution.pk)] = True
        return redirect("payments:select_bank", contribution_id=contribution.pk)
    return render(request, "payments/pay_now.html", {
        "contribution": contribution, "form": form, "back_url": reverse("contributions:detail", args=[contribution.pk]),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def select_bank(request, contribution_id: int):
    """PAY WITH FPX: choose the bank from FPX's live list; then our page posts the signed AR to FPX."""
    contribution = selectors.contribution_get_for_owner(contribution_id=contribution_id, user=request.user)
    elsewhere = _not_payable_redirect(request, contribution)
    if elsewhere is not None:
        return elsewhere
    if not request.session.get(_ack_key(contribution.pk)):
        return redirect("payments:pay_now", contribution_id=contribution.pk)
    context = {"contribution": contribution, "back_url": reverse("payments:pay_now", args=[contribution.pk])}
    try:
        banks = client.banklist_fetch()
    except GatewayError as exc:
        logger.warning("FPX bank list unavailable: %s", exc)
        return render(request, "payments/select_bank.html", {**context, "unavailable": True}, status=503)
    form = BankForm(request.POST if request.method == "POST" else None, banks=banks)
    if request.method == "POST" and form.is_valid():
        try:
            started = services.payment_start(contribution=contribution, user=request.user,
                                             bank_code=form.cleaned_data["bank"])
        except UnableToTakePayment as exc:
            messages.error(request, str(exc))
            return redirect("payments:pay_now", contribution_id=contribution.pk)
        request.session.pop(_ack_key(contribution.pk), None)
        return render(request, "payments/redirect.html", {"started": started, "contribution": contribution})
    return render(request, "payments/select_bank.html", {**context, "form": form})


def _requery_if_due(payment: Payment) -> Payment:
    """A pending payment older than the re-query threshold is asked about once more when its page opens."""
    now = timezone.now()
    if payment.status != Payment.Status.PENDING:
        return payment
    if payment.created_at > now - timedelta(seconds=settings.FPX_REQUERY_AFTER_SECONDS):
        return payment
    if payment.last_enquiry_at and payment.last_enquiry_at > now - ENQUIRY_MIN_INTERVAL:
        return payment
    try:
        services.payment_requery(payment=payment)
    except PaymentError as exc:
        logger.warning("FPX re-query of %s failed: %s", payment.seller_ex_order_no, exc)
    return payment


@login_required
@never_cache
def detail(request, payment_id: int):
    """PAYMENT DETAILS."""
    payment = selectors.payment_get_for_owner(payment_id=payment_id, user=request.user)
    if payment.status == Payment.Status.PENDING:
        _requery_if_due(payment)
        payment = selectors.payment_get_for_owner(payment_id=payment_id, user=request.user)
    contribution = payment.contribution
    can_pay_again = (
        payment.status == Payment.Status.FAILED
        and contribution.state == Contribution.State.AWAITING_PAYMENT
        and selectors.contribution_payment_pending(contribution=contribution) is None
    )
    return render(request, "payments/detail.html", {
        "payment": payment,
        "contribution": contribution,
        "person": contribution.registration.person,
        "plan_annual": contribution.monthly_contribution * 12,
        "reason": code_meaning(payment.debit_auth_code) if payment.status == Payment.Status.FAILED else "",
        "can_pay_again": can_pay_again,
        "back_url": reverse("contributions:detail", args=[contribution.pk]),
    })


@login_required
@never_cache
def receipt(request, payment_id: int):
    """The receipt PDF: its owner, or staff allowed to view payments."""
    payment = selectors.payment_get_for_receipt(payment_id=payment_id, user=request.user)
    response = HttpResponse(services.receipt_pdf(payment=payment), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{payment.receipt_no}.pdf"'
    return response


def _remote_addr(request) -> str | None:
    return client_ip(request) or None


@csrf_exempt
@require_POST
def fpx_direct(request):
    """The direct AC, host to host from FPX. Answers `OK` once processed (duplicates included), so FPX stops
    retrying; anything refused (bad checksum, unknown order, mismatch) gets `NOK` and is logged."""
    result = services.payment_settle_body(raw_body=request.body, channel=FpxMessage.Channel.AC_DIRECT,
                                          remote_addr=_remote_addr(request))
    if result.accepted:
        return HttpResponse("OK", content_type="text/plain")
    return HttpResponse("NOK", content_type="text/plain", status=400)


@csrf_exempt
@require_POST
def fpx_indirect(request):
    """The indirect AC: the browser comes back from FPX with it. Settled like the direct one (whichever comes
    first settles; the other is a duplicate), then the person sees PAYMENT DETAILS."""
    result = services.payment_settle_body(raw_body=request.body, channel=FpxMessage.Channel.AC_INDIRECT,
                                          remote_addr=_remote_addr(request))
    if result.payment is not None:
        return redirect("payments:detail", payment_id=result.payment.pk)
    return render(request, "payments/indirect_error.html", {"history_url": reverse("contributions:history")},
                  status=400)
