"""FPX payments: start one (the signed authorisation request the application posts from a browser), its status,
its receipt, and the documents of a registration."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from matrix.api.auth import access_token
from matrix.api.errors import ApiError, Conflict, Invalid, form_invalid
from matrix.api.idempotency import idempotent
from matrix.api.schemas import ErrorOut, PaymentFormOut, PaymentOut, PaymentStartIn
from matrix.core.kltime import kl
from matrix.payments import selectors as payment_selectors
from matrix.payments import services as payment_services
from matrix.payments.forms import BankForm, PayNowForm
from matrix.payments.fpx import client as fpx_client
from matrix.payments.fpx.codes import code_meaning
from matrix.payments.fpx.exceptions import GatewayError, UnableToTakePayment
from matrix.payments.models import Payment
from matrix.registrations.selectors import document_for_download
from matrix.registrations.uploads import document_response

router = Router(tags=["Payments and documents"], auth=access_token)
ERRORS = {401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut}


@router.post("/contributions/{contribution_id}/payments", response={201: PaymentFormOut, **ERRORS},
             summary="Start an FPX payment: the signed form to post from a browser to FPX")
@idempotent
def payment_start(request, contribution_id: int, payload: PaymentStartIn):
    """Like PAY NOW then PAY WITH FPX: the Terms and Conditions, then a bank that FPX says is online. A repeat
    while the attempt has had no answer from FPX gets the same signed form (payments.services.payment_start)."""
    contribution = payment_selectors.contribution_get_for_owner(contribution_id=contribution_id, user=request.user)
    terms = PayNowForm({"acknowledge": "on" if payload.terms_accepted else "", "method": "B2C"})
    if not terms.is_valid():
        raise form_invalid(terms, names={"acknowledge": "terms_accepted"})
    try:
        banks = fpx_client.banklist_fetch()
    except GatewayError:
        raise ApiError(_("FPX cannot be reached at the moment. Please try again in a few minutes."),
                       code="fpx_unavailable", status=503) from None
    bank = BankForm({"bank": payload.bank_code}, banks=banks)
    if not bank.is_valid():
        raise form_invalid(bank, names={"bank": "bank_code"})
    try:
        started = payment_services.payment_start(contribution=contribution, user=request.user,
                                                 bank_code=bank.cleaned_data["bank"])
    except UnableToTakePayment as error:
        raise Conflict(str(error), code="not_payable") from None
    # The simulator's AR URL is a path on this server; the application needs it whole.
    return 201, {"payment_id": started.payment.pk, "method": "POST", "url": request.build_absolute_uri(started.url),
                 "fields": started.fields, "repeated": started.repeated}


def payment_out(payment: Payment) -> dict:
    reason = ""
    if payment.status == Payment.Status.FAILED:
        reason = str(code_meaning(payment.debit_auth_code)) if payment.debit_auth_code else _(
            "no answer from FPX before the payment request expired")
    elif payment.status == Payment.Status.PENDING:
        reason = _("FPX transaction is in progress. Please retry after 60 minutes.")
    return {
        "id": payment.pk, "contribution_id": payment.contribution_id, "status": payment.status,
        "status_label": str(payment.get_status_display()), "amount": f"{payment.amount:.2f}",
        "bank_code": payment.buyer_bank_id, "bank": payment.bank.name if payment.bank else "",
        "method": payment.method, "fpx_txn_id": payment.fpx_txn_id, "debit_auth_code": payment.debit_auth_code,
        "reason": reason, "receipt_no": payment.receipt_no,
        "paid_at": kl(payment.paid_at) if payment.paid_at else None, "created_at": kl(payment.created_at),
        "refund_due": payment.refund_due,
    }


@router.get("/payments/{payment_id}", response={200: PaymentOut, **ERRORS}, summary="Payment status")
def payment_detail(request, payment_id: int):
    payment = payment_selectors.payment_get_for_owner(payment_id=payment_id, user=request.user)
    payment_services.payment_requery_queue_if_due(payment=payment)  # as PAYMENT DETAILS: FPX is asked, not awaited
    return payment_out(payment)


@router.get("/payments/{payment_id}/receipt", response={200: bytes, **ERRORS}, summary="The receipt (PDF)",
            openapi_extra={"responses": {200: {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}}}})
def payment_receipt(request, payment_id: int):
    facts = payment_selectors.receipt_facts_for_download(payment_id=payment_id, user=request.user)
    response = HttpResponse(payment_services.receipt_pdf(facts=facts), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{facts.receipt_no}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/documents/{document_id}", response={200: bytes, **ERRORS}, summary="An uploaded document",
            openapi_extra={"responses": {200: {"description": "The file as uploaded", "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
def document_download(request, document_id: int):
    return document_response(document_for_download(user=request.user, pk=document_id))


__all__ = ["router", "Invalid"]
