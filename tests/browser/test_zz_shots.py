import pytest
from matrix.payments.models import Payment
from matrix.payments.services import receipt_pdf
from tests.browser.test_payments import payer, portal_server, pay_at_the_bank  # noqa
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

def test_shots(page, payer):
    pay_at_the_bank(page, payer, button="Approve")
    page.screenshot(path="/tmp/shot_detail.png", full_page=True)
    p = Payment.objects.get(contribution=payer)
    open("/tmp/receipt.pdf", "wb").write(receipt_pdf(payment=p))
