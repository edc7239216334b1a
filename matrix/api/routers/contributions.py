"""Contribution History, View Contribution and cancelling an unpaid registration or renewal."""

from django.core.paginator import Paginator
from django.utils import timezone
from ninja import Router

from matrix.api.auth import access_token
from matrix.api.errors import Conflict, NotFound
from matrix.api.idempotency import idempotent
from matrix.api.schemas import ContributionDetailOut, ContributionOut, ContributionPageOut, ErrorOut
from matrix.contributions.models import Contribution, ContributionStatus
from matrix.contributions.selectors import contribution_for_view, contribution_history, history_rows, payment_shown
from matrix.contributions.services import CancelRefused, contribution_cancel
from matrix.core.kltime import kl
from matrix.payments.models import Payment

router = Router(tags=["Contributions"], auth=access_token)
ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
PAGE_SIZE = 20


def _local(moment):
    return kl(moment) if moment else None


def payment_brief(payment: Payment | None) -> dict | None:
    if payment is None:
        return None
    return {"id": payment.pk, "status": payment.status, "status_label": str(payment.get_status_display()),
            "amount": f"{payment.amount:.2f}", "receipt_no": payment.receipt_no,
            "created_at": _local(payment.created_at)}


def _contribution_out(contribution: Contribution, *, status: str, payments: list[Payment],
                      shown: Payment | None) -> dict:
    awaiting = contribution.state == Contribution.State.AWAITING_PAYMENT
    registration = contribution.registration
    return {
        "id": contribution.pk, "registration_id": registration.pk, "sector_code": registration.sector.code,
        "sector": registration.sector.name, "kind": contribution.kind, "status": status,
        "status_label": str(ContributionStatus(status).label), "plan_number": contribution.plan.number,
        "monthly_contribution": f"{contribution.monthly_contribution:.2f}", "months": contribution.months,
        "amount": f"{contribution.amount:.2f}", "start_at": _local(contribution.start_at),
        "end_at": _local(contribution.end_at), "paid_at": _local(contribution.paid_at),
        "created_at": _local(contribution.created_at), "rejected_reason": contribution.rejected_reason,
        "payment": payment_brief(shown),
        "can_pay": awaiting and not any(p.status == Payment.Status.PENDING for p in payments),
        "can_cancel": awaiting,
    }


def contribution_out_for(user, pk: int) -> dict:
    contribution = contribution_for_view(user=user, pk=pk)
    payments = list(contribution.payments.all())
    return _contribution_out(contribution, status=contribution.status_at(timezone.now()), payments=payments,
                             shown=payment_shown(payments))


@router.get("/contributions", response={200: ContributionPageOut, **ERRORS},
            summary="Contribution History, newest first (20 a page)")
def contributions(request, page: int = 1):
    paginator = Paginator(contribution_history(user=request.user), PAGE_SIZE)
    current = paginator.get_page(page)
    rows = history_rows(user=request.user, contributions=current.object_list)
    return {
        "count": paginator.count, "page": current.number, "pages": paginator.num_pages,
        "results": [
            _contribution_out(row.contribution, status=row.status, payments=list(row.contribution.payments.all()),
                              shown=row.payment)
            for row in rows
        ],
    }


@router.get("/contributions/{contribution_id}", response={200: ContributionDetailOut, **ERRORS},
            summary="View Contribution: details, particulars as certified, documents, payment attempts")
def contribution_detail(request, contribution_id: int):
    contribution = contribution_for_view(user=request.user, pk=contribution_id)
    payments = list(contribution.payments.all())
    out = _contribution_out(contribution, status=contribution.status_at(timezone.now()), payments=payments,
                            shown=payment_shown(payments))
    out["particulars"] = contribution.registration.particulars
    out["documents"] = [
        {"id": d.pk, "kind": d.kind, "name": str(d.get_kind_display()), "original_name": d.original_name,
         "content_type": d.content_type, "size": d.size}
        for d in contribution.registration.documents.all()
    ]
    out["payments"] = [payment_brief(p) for p in payments]
    return out


@router.post("/contributions/{contribution_id}/cancel", response={200: ContributionOut, **ERRORS},
             summary="Cancel an unpaid registration or renewal")
@idempotent
def contribution_cancel_view(request, contribution_id: int):
    try:
        contribution_cancel(user=request.user, contribution_id=contribution_id)
    except Contribution.DoesNotExist:
        raise NotFound() from None
    except CancelRefused as error:
        raise Conflict(error.message, code="cancel_refused") from None
    return contribution_out_for(request.user, contribution_id)
