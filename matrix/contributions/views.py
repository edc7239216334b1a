"""Contribution History, View Contribution and Renew."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matrix.contributions.bodies import body_rendered, page_render, rows_key
from matrix.contributions.forms import RenewChooseForm, RenewForm
from matrix.contributions.models import Contribution
from matrix.contributions.selectors import (
    contribution_for_view,
    contribution_page,
    history_lines,
    history_page_rows,
    history_raw,
    history_statuses,
    payment_shown,
    registration_of,
    renewal_choices,
    renewal_facts,
    renewal_plans,
)
from matrix.contributions.services import (
    CANCEL_NOT_UNPAID,
    CANCEL_PAID,
    CANCEL_PENDING,
    PAYMENTS_UNSETTLED,
    RENEWAL_FIRST_UNPAID,
    RENEWAL_REJECTED,
    RENEWAL_UNPAID_EXISTS,
    CancelRefused,
    RenewalRefused,
    UnpaidRenewalExists,
    contribution_cancel,
    contribution_renew,
)
from matrix.payments.models import Payment
from matrix.registrations.forms import plan_cards
from matrix.registrations.particulars import particulars_rows
from matrix.registrations.views import pay_now_url

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def history(request):
    """The seed's Contribution History table with its two status legends, newest first, paginated."""
    page = history_page_rows(user=request.user, page_number=request.GET.get("page"), per_page=HISTORY_PAGE_SIZE)
    now = timezone.now()
    statuses = history_statuses(page.object_list, now=now)
    body = ("contributions/_history_body.html", "contributions/_legends.html")
    # The kept page's key: the rows as the database answered them and what the moment makes of them (statuses).
    key = rows_key(user_id=request.user.pk, templates=body,
                   parts=(page.number, history_raw(page), [str(status) for status in statuses]))

    def context() -> dict:
        pager = {"number": page.number, "num_pages": page.paginator.num_pages,
                 "previous": page.previous_page_number() if page.has_previous() else None,
                 "next": page.next_page_number() if page.has_next() else None}
        rows = history_lines(page.object_list, now=now)
        return {"body": body_rendered(body[0], {"rows": rows, "labels": _history_labels(), "pager": pager})}

    return page_render(request, template="contributions/history.html", key=key, context=context)


def _history_labels() -> dict[str, str]:
    """The column names (each row repeats them as data-label for the phone's cards) and link texts, translated
    once per page instead of once per row."""
    return {
        "start": _("Start Date Time"), "end": _("Expiry Date Time"), "sector": _("Sector"),
        "plan": _("Contribution Plan"), "months": _("Number of Contribution Months"),
        "amount": _("Contribution Amount"), "status": _("Contribution Status"), "payment": _("Payment Status"),
        "action": _("Action"), "view": _("View"), "receipt": _("Download Receipt"), "renew": _("Renew Now"),
    }


@login_required
@require_GET
def detail(request, pk: int):
    """VIEW CONTRIBUTION: details, the particulars as certified, documents and every payment attempt."""
    page = contribution_page(user=request.user, pk=pk)
    body = ("contributions/_detail_body.html", "contributions/_payment_status.html")
    key = rows_key(user_id=request.user.pk, templates=body, parts=page.raw)
    return page_render(request, template="contributions/detail.html", key=key,
                       context=lambda: {"body": body_rendered(body[0], _detail_context(page))})


def _detail_context(page) -> dict:
    contribution, payments = page.contribution, page.payments
    shown = payment_shown(payments)
    can_pay = contribution.state == Contribution.State.AWAITING_PAYMENT and not any(
        payment.status == Payment.Status.PENDING for payment in payments
    )
    return {
        "contribution": contribution,
        "registration": page.registration,
        "person": page.person,
        "particulars": particulars_rows(page.registration.particulars),
        "documents": page.documents,
        "payments": payments,
        "payment": shown,
        "paid_payment": shown if shown is not None and shown.status == Payment.Status.PAID else None,
        "can_pay": can_pay,
        "can_cancel": contribution.state == Contribution.State.AWAITING_PAYMENT,
        "pay_url": pay_now_url(contribution.pk) if can_pay else "",
    }


def _cancel_refusal(contribution: Contribution, payments: list[Payment]):
    """What stops the owner cancelling `contribution` now (the service checks again under its locks)."""
    if contribution.state == Contribution.State.PAID:
        return CANCEL_PAID
    if contribution.state != Contribution.State.AWAITING_PAYMENT:
        return CANCEL_NOT_UNPAID
    if any(payment.status in PAYMENTS_UNSETTLED for payment in payments):
        return CANCEL_PENDING
    return None


@login_required
@never_cache
@require_GET
def cancel_confirm(request, pk: int):
    """Are you sure? The registration or renewal awaiting payment, and a button that posts to `cancel`."""
    contribution = contribution_for_view(user=request.user, pk=pk)
    refusal = _cancel_refusal(contribution, list(contribution.payments.all()))
    return render(request, "contributions/cancel_confirm.html", {
        "contribution": contribution, "registration": contribution.registration, "refusal": refusal,
    })


@login_required
@require_POST
def cancel(request, pk: int):
    """Cancel an unpaid registration or renewal (POST only, CSRF-checked), then back to View Contribution."""
    contribution = contribution_for_view(user=request.user, pk=pk)
    try:
        contribution_cancel(user=request.user, contribution_id=contribution.pk)
    except CancelRefused as exc:
        messages.error(request, exc.message)
        return redirect("contributions:detail", pk=contribution.pk)
    if contribution.kind == Contribution.Kind.REGISTRATION:
        messages.success(request, _("The registration is cancelled. You may register this sector again."))
    else:
        messages.success(request, _("The renewal is cancelled."))
    return redirect("contributions:detail", pk=contribution.pk)


@login_required
@require_http_methods(["GET", "POST"])
def renew(request):
    """CONTRIBUTION RENEWAL: choose one of the registered sectors whose first period is paid."""
    choices = renewal_choices(user=request.user)
    form = RenewChooseForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        return redirect("contributions:renew_sector", registration_id=form.cleaned_data["registration"].pk)
    return render(request, "contributions/renew.html", {"form": form, "choices": choices})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def renew_sector(request, registration_id: int):
    """Months and plan for one sector, then check (the period the renewal covers if paid now), then Renew & Pay."""
    registration = registration_of(user=request.user, pk=registration_id)
    facts = renewal_facts(registration=registration)
    now = timezone.now()
    if not facts.first_paid:
        if facts.first is None or facts.first.state == Contribution.State.REJECTED:
            messages.error(request, RENEWAL_REJECTED)
        else:
            messages.error(request, RENEWAL_FIRST_UNPAID)
        return redirect("contributions:renew")
    if facts.unpaid_renewal is not None:
        messages.info(request, RENEWAL_UNPAID_EXISTS)
        return redirect("contributions:detail", pk=facts.unpaid_renewal.pk)

    plans = renewal_plans(facts=facts, now=now)
    locked = facts.plan_locked_on(now)
    step = request.POST.get("step", "")
    if request.method == "POST":
        form = RenewForm(request.POST, plans=plans)
    else:
        current = next((p.pk for p in plans if p.number == facts.locked_plan_number), plans[0].pk if plans else "")
        initial = {"plan": request.GET.get("plan") or current,
                   "months": request.GET.get("months", "")}
        form = RenewForm(initial=initial, plans=plans)
    context = {"registration": registration, "facts": facts, "form": form, "locked": locked}

    if request.method == "POST" and form.is_valid():
        plan, months = form.cleaned_data["plan"], form.cleaned_data["months"]
        if step == "confirm":
            try:
                contribution = contribution_renew(user=request.user, registration=registration, plan=plan,
                                                  months=months, now=now)
            except UnpaidRenewalExists as exc:
                messages.info(request, exc.message)
                if exc.contribution is not None:
                    return redirect("contributions:detail", pk=exc.contribution.pk)
                return redirect("contributions:history")
            except RenewalRefused as exc:
                messages.error(request, exc.message)
                return redirect("contributions:renew")
            return redirect(pay_now_url(contribution.pk))
        change_url = reverse("contributions:renew_sector", args=[registration.pk]) + "?" + urlencode(
            {"plan": plan.pk, "months": months}
        )
        return render(request, "contributions/renew_check.html", {
            **context,
            "plan": plan,
            "months": months,
            "amount_due": form.amount_due(),
            "period": facts.period_if_paid_at(paid_at=now, months=months),
            # The period is fixed when the payment is accepted (contribution_mark_paid): after a lapse it starts
            # then, not now, so the page must not promise this moment's start time.
            "lapsed": facts.cover_ended_on(now),
            "change_url": change_url,
        })
    return render(request, "contributions/renew_sector.html", {
        **context, "plans": plan_cards(form), "amount_due": form.amount_due(),
    })
