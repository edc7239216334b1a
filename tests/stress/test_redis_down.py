"""Redis down: the shared cache (rate limits, the guard that queues one enquiry per payment) cannot be reached.
The settlement's truth is in the database: FPX's direct AC is still settled and answered OK (the refusal limit
fails open), the indirect AC still takes the person to PAYMENT DETAILS, which still shows a due Pending payment as
Pending (its enquiry is left to the periodic re-query), and the periodic re-query still asks FPX and settles every
pending payment once, with its receipt. (The broker down with it: tests/notifications/test_messages.py and
test_worker_pg.py.)"""

import re
import time

import pytest

from matrix.notifications.models import OutboxMessage
from matrix.payments.fpx import client
from matrix.payments.models import Payment
from matrix.payments.services.requery import payments_requery_run
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import aged, pending_payment_make
from tests.stress import scenarios

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_DOWN = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:9/0"}}  # the discard port: nothing answers Redis there


def test_with_the_cache_down_the_periodic_requery_settles_each_payment_once(settings, monkeypatch, fpx_key):
    approved, refused = (aged(pending_payment_make(), 2 * 60 * 60) for _ in range(2))
    codes = {approved.seller_ex_order_no: "00", refused.seller_ex_order_no: "51"}
    monkeypatch.setattr(client, "enquiry_send", lambda fields: body(ac_fields(
        Payment.objects.get(seller_ex_order_no=fields["fpx_sellerExOrderNo"]), key=fpx_key,
        code=codes[fields["fpx_sellerExOrderNo"]])))
    settings.CACHES = REDIS_DOWN
    from django.core.cache import cache

    with pytest.raises(Exception, match="onnect"):
        cache.get("anything")  # Redis is really unreachable

    started = time.monotonic()
    counts = payments_requery_run()
    scenarios.ROWS.append(scenarios.Row("Redis down: periodic re-query", attempts=2, lost=2 - counts["settled"],
                                        failures=counts["errors"], counts=counts,
                                        seconds=time.monotonic() - started))
    assert counts["queried"] == 2 and counts["settled"] == 2 and counts["errors"] == 0, counts
    assert payments_requery_run()["queried"] == 0  # settled: never asked again
    approved.refresh_from_db()
    refused.refresh_from_db()
    assert (approved.status, refused.status) == (Payment.Status.PAID, Payment.Status.FAILED)
    assert OutboxMessage.objects.filter(subject__endswith=f" {approved.receipt_no}").count() == 1


def test_with_the_cache_down_fpx_callbacks_settle_and_the_person_sees_pending(client, settings, fpx_key):
    direct, indirect, waiting = pending_payment_make(), pending_payment_make(), aged(pending_payment_make(), 7200)
    settings.CACHES = REDIS_DOWN
    form = "application/x-www-form-urlencoded"
    response = client.post("/payments/fpx/direct/", body(ac_fields(direct, key=fpx_key)), content_type=form)
    assert (response.status_code, response.content) == (200, b"OK")
    response = client.post("/payments/fpx/indirect/", body(ac_fields(indirect, key=fpx_key)), content_type=form)
    assert response.status_code == 302 and response["Location"] == f"/payments/{indirect.pk}/"
    for payment in (direct, indirect):
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PAID
    client.force_login(waiting.contribution.registration.person.user)
    response = client.get(f"/payments/{waiting.pk}/")
    assert response.status_code == 200
    assert re.search(r'data-testid="payment-status"><span class="badge[^"]*">Pending<', response.content.decode())
