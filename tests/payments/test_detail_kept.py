"""PAYMENT DETAILS of a settled attempt is kept whole under its row as the database gives it (issue 13): a kept
page answers without loading the payment, a refund or any change of the row renders it again, a page rendered
from a row that changed meanwhile is not kept under the older key, and another person's payment is a 404."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matrix.contributions import bodies
from matrix.payments import selectors, views
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle
from tests.factories import user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db



@pytest.fixture
def paid(user, fpx_key):
    payment = pending_payment_make(contribution=contribution_for(user))
    fields = ac_fields(payment, key=fpx_key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    return Payment.objects.get(pk=payment.pk)


def _get(client, payment):
    with mock.patch.object(views, "_detail_context", wraps=views._detail_context) as loaded:
        response = client.get(reverse("payments:detail", args=[payment.pk]))
    assert response.status_code == 200
    return response.content.decode(), loaded.call_count


def test_a_kept_page_answers_without_loading_the_payment(user_client, paid):
    first, loaded = _get(user_client, paid)
    assert loaded == 1 and paid.receipt_no in first
    with CaptureQueriesContext(connection) as queries:
        second, loaded = _get(user_client, paid)
    assert loaded == 0 and paid.receipt_no in second
    assert not [q for q in queries if "payments_fpxmessage" in q["sql"] or "reference_plan" in q["sql"]]


def test_a_refund_renders_it_again(user_client, paid):
    before, _ = _get(user_client, paid)
    Payment.objects.filter(pk=paid.pk).update(refund_due=True)
    Refund.objects.create(payment_id=paid.pk, reason=Refund.Reason.ALREADY_PAID, amount=paid.amount)
    after, loaded = _get(user_client, paid)
    assert loaded == 1 and 'data-testid="refund-notice"' in after and "refund-notice" not in before


def test_a_page_of_a_row_that_changed_meanwhile_is_not_kept(user_client, paid):
    real = selectors.payment_details_row
    answers = iter([real, lambda **kw: None])  # the key's read, then the re-read after rendering: changed

    with mock.patch.object(selectors, "payment_details_row", side_effect=lambda **kw: next(answers)(**kw)), \
            mock.patch.object(bodies.cache, "set", wraps=bodies.cache.set) as kept:
        _get(user_client, paid)
    assert not [call for call in kept.call_args_list if str(call.args[0]).startswith("page:")]
    _, loaded = _get(user_client, paid)
    assert loaded == 1  # nothing was kept: rendered again


def test_another_persons_payment_is_not_found(client, paid):
    client.force_login(user_make())
    assert client.get(reverse("payments:detail", args=[paid.pk])).status_code == 404
