import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from matrix.notifications.selectors import outbox_list
from matrix.notifications.services import ReceiptEarly, ReceiptUnknown, sms_receipt_record


def outbox(request):
    """Every SMS and email sent on the embedded default, newest first. Never served in production."""
    if not settings.OUTBOX_ENABLED:
        raise Http404
    return render(request, "notifications/outbox.html", {"messages_sent": outbox_list(to=request.GET.get("to"))})


@csrf_exempt
@require_POST
def sms_receipt(request):
    """The SMS gateway's delivery receipt: POST JSON {"id": provider message id, "status": "delivered" |
    "undelivered" | "failed" | "rejected" | "expired" | other (ignored), "reference" (optional)} with the shared
    secret SMS_GATEWAY_RECEIPT_SECRET in the X-Receipt-Secret header.

    200 recorded (or ignored), 403 wrong secret, 400 not JSON, 404 unknown message (or receipts switched off),
    409 the message is still being sent: send the receipt again later."""
    expected = settings.SMS_GATEWAY_RECEIPT_SECRET
    if not expected:
        raise Http404
    given = request.headers.get("X-Receipt-Secret", "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return JsonResponse({"error": "forbidden"}, status=403)
    try:
        data = json.loads(request.body)
        provider_id, status = str(data.get("id") or ""), str(data["status"])
        reference = str(data.get("reference") or "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return JsonResponse({"error": "expected JSON {id, status}"}, status=400)
    try:
        message = sms_receipt_record(provider_id=provider_id, status=status, reference=reference)
    except ReceiptUnknown:
        return JsonResponse({"error": "unknown message"}, status=404)
    except ReceiptEarly:
        return JsonResponse({"error": "message still being sent; retry later"}, status=409)
    return JsonResponse({"status": message.status if message else "ignored"})
