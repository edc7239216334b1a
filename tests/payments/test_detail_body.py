"""PAYMENT DETAILS keeps its rendered body per person under a key made of its content (issue 13,
matrix.contributions.bodies): a paid payment's page is rendered once, a refund renders it again, and a page
that carries the Continue form (with this session's CSRF token) is never kept."""

from unittest import mock

import pytest
from django.urls import reverse

from matrix.contributions import bodies
from matrix.payments import views
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db



def _get(client, payment) -> tuple[str, int, int]:
    """The page, how many pages were rendered to keep (the whole page is kept, matrix.contributions.bodies
    page_render), and how many bodies for this request only."""
    with mock.patch.object(bodies, "render_to_string", wraps=bodies.render_to_string) as kept, \
            mock.patch.object(views, "render_to_string", wraps=views.render_to_string) as once:
        response = client.get(reverse("payments:detail", args=[payment.pk]))
    assert response.status_code == 200
    pages = [call for call in kept.call_args_list if call.args[0] == "payments/detail.html"]
    return response.content.decode(), len(pages), once.call_count


def test_a_paid_payment_is_rendered_once_and_again_after_a_refund(user, user_client, fpx_key):
    payment = pending_payment_make(contribution=contribution_for(user))
    fields = ac_fields(payment, key=fpx_key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    first, rendered, _ = _get(user_client, payment)
    second, again, _ = _get(user_client, payment)
    assert (rendered, again) == (1, 0) and "Download Receipt" in second
    Payment.objects.filter(pk=payment.pk).update(refund_due=True)
    Refund.objects.create(payment_id=payment.pk, reason=Refund.Reason.ALREADY_PAID, amount=payment.amount)
    refunded, rendered, _ = _get(user_client, payment)
    assert rendered == 1 and 'data-testid="refund-notice"' in refunded and "refund-notice" not in first


def test_the_continue_form_is_rendered_for_each_request_with_its_token(user, user_client):
    payment = pending_payment_make(contribution=contribution_for(user))
    for _ in range(2):
        page, kept, once = _get(user_client, payment)
        assert (kept, once) == (0, 1)
        assert reverse("payments:continue", args=[payment.pk]) in page and 'name="csrfmiddlewaretoken"' in page
