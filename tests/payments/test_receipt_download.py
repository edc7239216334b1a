"""The receipt download reads what the receipt shows by one written statement (payments.selectors
receipt_facts_for_download, issue 13): the same facts as the loaded payment gives (so the same kept PDF), for
its owner or staff allowed to view payments only, and nothing for a payment that is not paid."""

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.http import Http404

from matrix.backoffice.services.counter import counter_payment_record
from matrix.payments.models import FpxMessage, Payment, Refund
from matrix.payments.receipts import receipt_facts
from matrix.payments.selectors import receipt_facts_for_download
from matrix.payments.services import payment_settle
from matrix.reference.models import Branch
from tests.backoffice.conftest import make_staff
from tests.factories import contribution_make, user_make
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import contribution_for, pending_payment_make

pytestmark = pytest.mark.django_db


def _loaded(pk) -> Payment:
    return Payment.objects.select_related("contribution__registration__person__user", "contribution__registration__"
                                          "sector", "bank", "branch").get(pk=pk)


def _fpx_paid(owner, key) -> Payment:
    payment = pending_payment_make(contribution=contribution_for(owner))
    fields = ac_fields(payment, key=key)
    payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    return _loaded(payment.pk)


def test_the_facts_are_the_loaded_payments(fpx_key):
    owner = user_make()
    payment = _fpx_paid(owner, fpx_key)
    assert receipt_facts_for_download(payment_id=payment.pk, user=owner) == receipt_facts(payment)
    Payment.objects.filter(pk=payment.pk).update(refund_due=True)
    Refund.objects.create(payment_id=payment.pk, reason=Refund.Reason.NOT_PAYABLE, amount=payment.amount)
    refunded = receipt_facts_for_download(payment_id=payment.pk, user=owner)
    assert refunded == receipt_facts(_loaded(payment.pk))
    assert refunded.refund_due is True and refunded.refund_reason == Refund.Reason.NOT_PAYABLE


def test_a_counter_payment_has_its_branch(db):
    officer = make_staff("officer1", "OFFICER")
    owner = user_make()
    contribution = contribution_make(registration=contribution_for(owner).registration, kind="RENEWAL")
    branch = Branch.objects.get(name="Pejabat PERKESO Kuala Lumpur")
    counter_payment_record(contribution_id=contribution.pk, amount=contribution.amount, counter_method="CASH",
                           branch=branch, reference="SLIP-9", staff_user=officer.user)
    payment = _loaded(Payment.objects.get(contribution=contribution).pk)
    facts = receipt_facts_for_download(payment_id=payment.pk, user=owner)
    assert facts == receipt_facts(payment) and facts.branch_name == branch.name and facts.counter_method == "CASH"


def test_only_the_owner_or_staff_allowed_to_view_payments(fpx_key):
    owner = user_make()
    payment = _fpx_paid(owner, fpx_key)
    with pytest.raises(Http404):
        receipt_facts_for_download(payment_id=payment.pk, user=user_make())
    with pytest.raises(Http404):
        receipt_facts_for_download(payment_id=payment.pk, user=AnonymousUser())
    staff = user_make(is_staff=True)
    with pytest.raises(Http404):
        receipt_facts_for_download(payment_id=payment.pk, user=staff)
    staff.user_permissions.add(Permission.objects.get(codename="view_payment", content_type__app_label="payments"))
    staff = type(staff).objects.get(pk=staff.pk)  # fresh permission cache
    assert receipt_facts_for_download(payment_id=payment.pk, user=staff).payment_id == payment.pk


def test_an_unpaid_payment_has_no_receipt():
    owner = user_make()
    payment = pending_payment_make(contribution=contribution_for(owner))
    with pytest.raises(Http404):
        receipt_facts_for_download(payment_id=payment.pk, user=owner)
    with pytest.raises(Http404):
        receipt_facts_for_download(payment_id=10**9, user=owner)
