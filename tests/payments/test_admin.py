"""Payments, refunds and the FPX message log are read-only in the admin."""

import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.services import payment_settle
from tests.conftest import second_factor_verified
from tests.factories import user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return second_factor_verified(client, user_make(is_staff=True, is_superuser=True))


def test_payment_refund_and_message_admin_are_read_only(admin_client, fpx_key):
    payment = pending_payment_make()
    message = FpxMessage.objects.get()
    Contribution.objects.filter(pk=payment.contribution_id).update(state=Contribution.State.REJECTED)
    fields = ac_fields(payment, key=fpx_key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    refund = Refund.objects.get()
    for name, obj in (("payment", payment), ("fpxmessage", message), ("refund", refund)):
        assert admin_client.get(reverse(f"admin:payments_{name}_changelist")).status_code == 200
        page = admin_client.get(reverse(f"admin:payments_{name}_change", args=[obj.pk]))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert admin_client.get(reverse(f"admin:payments_{name}_add")).status_code == 403
        assert admin_client.get(reverse(f"admin:payments_{name}_delete", args=[obj.pk])).status_code == 403
    assert Payment.objects.count() == 1 and Refund.objects.get().state == Refund.State.DUE
