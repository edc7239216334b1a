"""FPX's callback URLs against anonymous posts: a body larger than an FPX message is refused (413) before it is
parsed, only a bounded prefix of it is logged, refusals are rate-limited per client address (429), and an
authentic message is never refused by the rate limit."""

import datetime
import io

import pytest
import time_machine
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory
from django.urls import reverse

from matrix.payments import views
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services.settle import REFUSED_BODY_KEPT
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"
URLS = ["payments:fpx_direct", "payments:fpx_indirect"]
FLOODER = "198.51.100.9"


@pytest.fixture(autouse=True)
def _frozen_clock():
    """The rate limit counts in fixed windows: hold the clock so that no window ends in the middle of a test."""
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=False):
        yield


@pytest.mark.parametrize("name", URLS)
def test_a_body_larger_than_an_fpx_message_is_refused_and_only_its_prefix_logged(client, name, settings):
    settings.FPX_CALLBACK_MAX_BYTES = 16384
    huge = "fpx_msgType=AC&junk=" + "A" * (4 * 1024 * 1024)
    response = client.post(reverse(name), huge, content_type=FORM, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 413
    log = FpxMessage.objects.get()
    assert len(log.body) <= REFUSED_BODY_KEPT and huge.startswith(log.body) and log.body
    assert log.outcome.startswith("refused:") and "exceeds 16384" in log.outcome
    assert log.remote_addr == "192.0.2.10" and log.payment is None


def test_a_body_one_byte_over_the_limit_is_refused_and_at_the_limit_is_parsed(client, settings):
    settings.FPX_CALLBACK_MAX_BYTES = 100
    url = reverse("payments:fpx_direct")
    over = client.post(url, "a=" + "b" * 99, content_type=FORM)
    at = client.post(url, "a=" + "b" * 98, content_type=FORM)
    assert over.status_code == 413
    assert (at.status_code, at.content) == (400, b"NOK")  # parsed, and refused as an AC that does not verify
    assert [row.outcome.split(":")[0] for row in FpxMessage.objects.order_by("pk")] == ["refused", "refused"]
    assert "exceeds 100" in FpxMessage.objects.order_by("pk").first().outcome


class CountingStream(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


@pytest.mark.parametrize("declared", ["4194304", None, "not a number"])
def test_the_view_reads_at_most_the_limit_plus_one_byte(settings, declared):
    """Whatever Content-Length says, the stream is never read beyond the limit (no request.body or POST)."""
    settings.FPX_CALLBACK_MAX_BYTES = 16384
    stream = CountingStream(b"x" * (4 * 1024 * 1024))
    environ = RequestFactory()._base_environ(REQUEST_METHOD="POST", PATH_INFO="/payments/fpx/direct/",
                                             CONTENT_TYPE=FORM, REMOTE_ADDR="192.0.2.11")
    environ["wsgi.input"] = stream
    if declared is None:
        environ.pop("CONTENT_LENGTH", None)
    else:
        environ["CONTENT_LENGTH"] = declared
    request = WSGIRequest(environ)
    response = views.fpx_direct(request)
    assert response.status_code in (400, 413)
    assert stream.taken <= 16384 + 1
    assert len(FpxMessage.objects.get().body) <= REFUSED_BODY_KEPT


def test_an_honest_content_length_over_the_limit_reads_only_a_prefix(settings):
    settings.FPX_CALLBACK_MAX_BYTES = 16384
    data = b"fpx_msgType=AC&x=" + b"y" * 100_000
    stream = CountingStream(data)
    environ = RequestFactory()._base_environ(REQUEST_METHOD="POST", PATH_INFO="/payments/fpx/direct/",
                                             CONTENT_TYPE=FORM, CONTENT_LENGTH=str(len(data)))
    environ["wsgi.input"] = stream
    assert views.fpx_direct(WSGIRequest(environ)).status_code == 413
    assert stream.taken <= REFUSED_BODY_KEPT


@pytest.mark.parametrize("name", URLS)
def test_refused_messages_are_rate_limited_per_client_address(client, settings, name):
    settings.FPX_CALLBACK_REFUSED_RATE = "3/h"
    settings.FPX_CALLBACK_MAX_BYTES = 1000
    url = reverse(name)
    forged = "fpx_msgType=AC&fpx_sellerExOrderNo=X&fpx_checkSum=00"
    codes = [client.post(url, forged, content_type=FORM, REMOTE_ADDR=FLOODER).status_code for _ in range(3)]
    assert codes == [400, 400, 400]
    assert FpxMessage.objects.count() == 3
    limited = client.post(url, forged, content_type=FORM, REMOTE_ADDR=FLOODER)
    big = client.post(url, "a=" + "b" * 2000, content_type=FORM, REMOTE_ADDR=FLOODER)
    assert limited.status_code == big.status_code == 429 and limited["Retry-After"]
    assert FpxMessage.objects.count() == 3  # a flood past the limit is not stored
    # Another address is not affected.
    assert client.post(url, forged, content_type=FORM, REMOTE_ADDR="192.0.2.50").status_code == 400


def test_oversized_bodies_count_towards_the_limit(client, settings):
    settings.FPX_CALLBACK_REFUSED_RATE = "2/h"
    settings.FPX_CALLBACK_MAX_BYTES = 1000
    url = reverse("payments:fpx_direct")
    codes = [client.post(url, "a=" + "b" * 2000, content_type=FORM, REMOTE_ADDR=FLOODER).status_code
             for _ in range(3)]
    assert codes == [413, 413, 429] and FpxMessage.objects.count() == 2


@pytest.mark.parametrize("name", URLS)
def test_an_authentic_ac_from_a_flooding_address_still_settles(client, settings, fpx_key, name):
    settings.FPX_CALLBACK_REFUSED_RATE = "2/h"
    url = reverse(name)
    payment = pending_payment_make()
    forged = "fpx_msgType=AC&fpx_sellerExOrderNo=X&fpx_checkSum=00"
    for _ in range(5):
        client.post(url, forged, content_type=FORM, REMOTE_ADDR=FLOODER)
    assert client.post(url, forged, content_type=FORM, REMOTE_ADDR=FLOODER).status_code == 429
    response = client.post(url, body(ac_fields(payment, key=fpx_key)), content_type=FORM, REMOTE_ADDR=FLOODER)
    assert response.status_code in (200, 302)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    log = FpxMessage.objects.filter(payment=payment).exclude(channel=FpxMessage.Channel.AR).get()
    assert log.signature_valid and log.remote_addr == FLOODER


def test_an_authentic_ac_is_settled_without_asking_the_shared_cache(client, fpx_key, monkeypatch):
    """The refusal limit is looked up only for what does not verify: a settlement costs no Redis round trip."""
    looked = []
    monkeypatch.setattr(views, "get_usage", lambda *args, **kwargs: looked.append(kwargs) or None)
    payment = pending_payment_make()
    response = client.post(reverse("payments:fpx_direct"), body(ac_fields(payment, key=fpx_key)), content_type=FORM)
    assert response.status_code == 200 and response.content == b"OK"
    assert looked == []
    client.post(reverse("payments:fpx_direct"), "fpx_msgType=AC&fpx_checkSum=00", content_type=FORM)
    assert [usage["increment"] for usage in looked] == [False, True]  # a forgery: looked up, then counted
