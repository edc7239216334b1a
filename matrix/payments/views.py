"""The person's FPX flow (PAY NOW -> PAY WITH FPX -> the bank -> PAYMENT DETAILS), the receipt, and the two
URLs FPX calls back (direct AC host to host, indirect AC through the browser). Views only parse, call a
service or selector, and render."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from matrix.contributions.bodies import body_rendered, page_render, page_with_body, rows_key
from matrix.contributions.models import Contribution
from matrix.contributions.selectors import renewal_facts
from matrix.core.client_ip import client_ip
from matrix.payments import selectors, services
from matrix.payments.forms import BankForm, PayNowForm
from matrix.payments.fpx import checksum, client
from matrix.payments.fpx import config as fpx_config
from matrix.payments.fpx.codes import code_meaning
from matrix.payments.fpx.exceptions import GatewayError, MessageRefused, UnableToTakePayment
from matrix.payments.fpx.messages import form_parse
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.requery import payment_requery_queue_if_due
from matrix.payments.services.settle import REFUSED_BODY_KEPT
from matrix.payments.services.start import (
    contribution_rate_in_force,
    payment_ar_valid,
    payment_continue,
    payment_fpx_answered,
    payment_resumable,
    payment_stale_unanswered,
)

logger = logging.getLogger(__name__)

# The settlement's Needs attention status (a pending payment past its bounded life, or an amount mismatch).
NEEDS_ATTENTION = getattr(Payment.Status, "NEEDS_ATTENTION", "NEEDS_ATTENTION")


def _ack_key(contribution_id: int) -> str:
    return f"payments:terms:{contribution_id}"


def _not_payable_redirect(request, contribution: Contribution, *, repeat_ok: bool = False):
    """Where a contribution that cannot be paid now sends the person: its payment in progress or its paid
    payment, or the history with a message. None when it can be paid. A pending attempt FPX never answered
    and whose AR has expired does not stand in the way (a new start closes it); `repeat_ok`: neither does one
    whose AR is still valid (a repeated submit of the bank form gets the same AR)."""
    pending = selectors.contribution_payment_pending(contribution=contribution)
    if pending is not None:
        if payment_stale_unanswered(payment=pending) or (repeat_ok and payment_resumable(payment=pending)):
            return None
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


def _rate_changed(request, contribution: Contribution):
    """PAY NOW of a contribution whose rate is no longer in force: why it cannot be paid, and where to cancel."""
    return render(request, "payments/pay_now.html", {
        "contribution": contribution, "rate_changed": True,
        "back_url": reverse("contributions:detail", args=[contribution.pk]),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pay_now(request, contribution_id: int):
    """PAY NOW: the amount, the Terms and Conditions, Internet Banking."""
    contribution = selectors.contribution_get_for_owner(contribution_id=contribution_id, user=request.user)
    elsewhere = _not_payable_redirect(request, contribution)
    if elsewhere is not None:
        return elsewhere
    if not contribution_rate_in_force(contribution=contribution):
        return _rate_changed(request, contribution)
    form = PayNowForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        request.session[_ack_key(contribution.pk)] = True
        return redirect("payments:select_bank", contribution_id=contribution.pk)
    return render(request, "payments/pay_now.html", {
        "contribution": contribution, "form": form, "back_url": reverse("contributions:detail", args=[contribution.pk]),
        **_cover_bought(contribution),
    })


def _cover_bought(contribution: Contribution) -> dict:
    """What PAY NOW says the payment buys: the cover period if the bank approves it now. A sector not covered
    now is covered from the moment of approval; one still covered (or paid ahead) from the day after."""
    now = timezone.now()
    cover = renewal_facts(registration=contribution.registration).period_if_paid_at(
        paid_at=now, months=contribution.months)
    return {"cover": cover, "cover_starts_on_payment": cover.start <= now,
            "plan_annual": contribution.monthly_contribution * 12}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def select_bank(request, contribution_id: int):
    """PAY WITH FPX: choose the bank from FPX's live list; then our page posts the signed AR to FPX.

    A second post of this form (a double click, Back then submit again) while the first attempt has had no
    answer from FPX gets the same AR again from payment_start, so the browser, which shows only the last
    answer, still takes the person to the bank."""
    contribution = selectors.contribution_get_for_owner(contribution_id=contribution_id, user=request.user)
    repeat = request.method == "POST"
    elsewhere = _not_payable_redirect(request, contribution, repeat_ok=repeat)
    if elsewhere is not None:
        return elsewhere
    pending = selectors.contribution_payment_pending(contribution=contribution)
    repeated_submit = repeat and pending is not None and payment_resumable(payment=pending)
    if not request.session.get(_ack_key(contribution.pk)) and not repeated_submit:
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


@login_required
@never_cache
@require_POST
def continue_to_bank(request, payment_id: int):
    """Continue to your bank (PAYMENT DETAILS of a Pending attempt FPX has not answered): the same AR again."""
    payment = selectors.payment_get_for_owner(payment_id=payment_id, user=request.user)
    try:
        started = payment_continue(payment=payment, user=request.user)
    except UnableToTakePayment as exc:
        messages.error(request, str(exc))
        return redirect("payments:detail", payment_id=payment.pk)
    return render(request, "payments/redirect.html", {"started": started, "contribution": started.payment.contribution})


@login_required
@never_cache
def detail(request, payment_id: int):
    """PAYMENT DETAILS: what we know of the attempt, and what the person can do next. A Pending attempt is never
    shown as Failed: the enquiry about it is queued, not awaited.

    A settled attempt of a contribution no longer awaiting payment shows nothing but its row (and those of its
    contribution, refund, bank, branch and sector): that page is kept whole under the row as the database gives
    it, and a kept page answers without loading the payment (issue 13). Every other attempt depends on more (FPX's
    answers, the plan's rate today, other attempts) and is worked out afresh."""
    facts = selectors.payment_details_row(payment_id=payment_id, user=request.user)
    if facts is None:
        raise Http404
    status, state, row = facts
    if status != Payment.Status.PENDING and state != Contribution.State.AWAITING_PAYMENT:
        key = rows_key(user_id=request.user.pk, templates=(DETAIL_BODY, "includes/steps.html"), parts=(row,))

        def context() -> dict:
            details = _detail_context(request, payment_id)
            return {"body": body_rendered(DETAIL_BODY, details), "back_url": details["back_url"]}

        def still() -> bool:  # the context reads the payment again: kept only when it is the row of the key
            return selectors.payment_details_row(payment_id=payment_id, user=request.user) == facts

        return page_render(request, template="payments/detail.html", key=key, context=context,
                           includes=("payments/_breadcrumbs.html",), still=still)
    context = _detail_context(request, payment_id)
    if context["can_continue"]:  # its form carries the session's CSRF token: rendered for this request only
        body = mark_safe(render_to_string(DETAIL_BODY, context, request=request))  # noqa: S308
        return render(request, "payments/detail.html", {"body": body, "back_url": context["back_url"]})
    return page_with_body(request, template="payments/detail.html", body_template=DETAIL_BODY,
                          includes=("includes/steps.html",), context=context,
                          page_context={"back_url": context["back_url"]}, page_includes=("payments/_breadcrumbs.html",))


def _detail_context(request, payment_id: int) -> dict:
    payment = selectors.payment_for_details(payment_id=payment_id, user=request.user)
    contribution = payment.contribution
    now = timezone.now()
    pending = payment.status == Payment.Status.PENDING
    if pending:
        payment_requery_queue_if_due(payment=payment)
    answered = pending and payment_fpx_answered(payment=payment)
    ar_valid = pending and payment_ar_valid(payment=payment, now=now)
    needs_attention = payment.status == NEEDS_ATTENTION
    awaiting = contribution.state == Contribution.State.AWAITING_PAYMENT
    rate_ok = awaiting and contribution_rate_in_force(contribution=contribution, now=now)
    stale_unanswered = pending and not answered and not ar_valid
    can_pay_again = rate_ok and (payment.status == Payment.Status.FAILED or needs_attention or stale_unanswered)
    if can_pay_again:  # only then does another attempt in progress matter (one query saved on every other page)
        other_pending = selectors.contribution_payment_pending(contribution=contribution)
        can_pay_again = other_pending is None or other_pending.pk == payment.pk
    if payment.status == Payment.Status.FAILED:
        reason = code_meaning(payment.debit_auth_code) if payment.debit_auth_code else _(
            "no answer from FPX before the payment request expired")
    else:
        reason = ""
    return {
        "payment": payment,
        "contribution": contribution,
        "person": contribution.registration.person,
        "plan_annual": contribution.monthly_contribution * 12,
        "reason": reason,
        "pending_unanswered": pending and not answered and ar_valid,
        "pending_stale": stale_unanswered,
        "pending_answered": answered,
        "needs_attention": needs_attention,
        "rate_changed": awaiting and not rate_ok,
        "can_continue": pending and not answered and ar_valid and rate_ok,
        "can_pay_again": can_pay_again,
        "back_url": reverse("contributions:detail", args=[contribution.pk]),
    }


DETAIL_BODY = "payments/_detail_body.html"


@login_required
@never_cache
def receipt(request, payment_id: int):
    """The receipt PDF: its owner, or staff allowed to view payments."""
    facts = selectors.receipt_facts_for_download(payment_id=payment_id, user=request.user)
    response = HttpResponse(services.receipt_pdf(facts=facts), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{facts.receipt_no}.pdf"'
    return response


# --- FPX's callbacks ------------------------------------------------------------------------------------------
#
# Anyone can post to these URLs. A body larger than any FPX message is refused before it is parsed (413), and
# only a bounded prefix of it is logged. Refused messages (too large, malformed, forged, unknown order) are
# counted per client address; past FPX_CALLBACK_REFUSED_RATE the address gets 429 without a log row. Only
# refusals count, and a message that verifies is always settled, even from an address over the limit: FPX's
# own messages can never be shut out by someone flooding from the same address (a shared proxy, say).

REFUSED_GROUP = "payments.fpx_callback_refused"


def _max_bytes() -> int:
    return int(getattr(settings, "FPX_CALLBACK_MAX_BYTES", 16384))


def _refused_rate() -> str:
    return getattr(settings, "FPX_CALLBACK_REFUSED_RATE", "20/m")


def _refusal_count(request, *, increment: bool) -> bool:
    """Count a refusal from the client's address (`increment`), or only look. True: the address has used up
    its refusals for now."""
    try:
        usage = get_usage(request, group=REFUSED_GROUP, key=lambda group, req: client_ip(req) or "unknown",
                          rate=_refused_rate(), method=ALL, increment=increment)
    except Exception as exc:  # noqa: BLE001 - the shared cache (Redis) is down: the limit fails open
        logger.warning("FPX callback refusal limit not applied, the cache is unavailable: %s", exc.__class__.__name__)
        return False
    if usage is None:  # rate limiting switched off
        return False
    return usage["count"] > usage["limit"] if increment else usage["count"] >= usage["limit"]


def _declared_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None


def _authentic(raw: bytes) -> dict[str, str] | None:
    """The fields of a small body that is an AC verifying with FPX's certificate (checked before the rate limit
    refuses anything), handed on to settlement so that it does not parse them again; None when it is not one."""
    try:
        fields = form_parse(raw)
    except MessageRefused:
        return None
    return fields if checksum.message_verify(fields, "AC", fpx_config.certificates(), now=timezone.now()) else None


def _too_many(channel: str, remote_addr: str | None) -> HttpResponse:
    logger.warning("FPX %s from %s refused: too many refused messages", channel, remote_addr)
    response = HttpResponse("Too Many Requests", content_type="text/plain", status=429)
    response["Retry-After"] = "60"
    return response


def _callback_receive(request, channel: str) -> tuple[HttpResponse | None, services.SettleResult | None]:
    """Read, bound, rate-limit and settle one callback. Either a refusal to send as it is, or the settlement."""
    remote_addr = client_ip(request) or None
    limit = _max_bytes()
    declared = _declared_length(request)
    if declared is None or declared > limit:
        raw = request.read(min(limit + 1, REFUSED_BODY_KEPT))  # never the whole body
        reason = f"body of {request.META.get('CONTENT_LENGTH')!r} bytes exceeds {limit}"
    else:
        raw = request.read(limit + 1)
        reason = f"body exceeds {limit} bytes" if len(raw) > limit else ""
    if reason:
        if _refusal_count(request, increment=True):
            return _too_many(channel, remote_addr), None
        services.payment_message_refuse(body_prefix=raw, channel=channel, reason=reason, remote_addr=remote_addr)
        return HttpResponse("Payload Too Large", content_type="text/plain", status=413), None
    # An authentic AC is settled without asking the shared cache (one Redis round trip less per settlement);
    # only what does not verify is held to the address's refusal limit.
    fields = _authentic(raw)
    if fields is None and _refusal_count(request, increment=False):
        _refusal_count(request, increment=True)
        return _too_many(channel, remote_addr), None
    result = services.payment_settle_body(raw_body=raw, channel=channel, remote_addr=remote_addr, fields=fields)
    if not result.accepted:
        _refusal_count(request, increment=True)
    return None, result


@csrf_exempt
@require_POST
def fpx_direct(request):
    """The direct AC, host to host from FPX. Answers `OK` once processed (duplicates included), so FPX stops
    retrying; anything refused (bad checksum, unknown order, mismatch) gets `NOK` and is logged."""
    refusal, result = _callback_receive(request, FpxMessage.Channel.AC_DIRECT)
    if refusal is not None:
        return refusal
    if result.accepted:
        return HttpResponse("OK", content_type="text/plain")
    return HttpResponse("NOK", content_type="text/plain", status=400)


@csrf_exempt
@require_POST
def fpx_indirect(request):
    """The indirect AC: the browser comes back from FPX with it. Settled like the direct one (whichever comes
    first settles; the other is a duplicate), then the person sees PAYMENT DETAILS."""
    refusal, result = _callback_receive(request, FpxMessage.Channel.AC_INDIRECT)
    if refusal is not None:
        return refusal
    if result.payment is not None:
        return redirect("payments:detail", payment_id=result.payment.pk)
    return render(request, "payments/indirect_error.html", {"history_url": reverse("contributions:history")},
                  status=400)
