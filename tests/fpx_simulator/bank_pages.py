"""Going through the simulated bank's pages with a test client: post a signed AR, sign in, press a button."""

import re

from django.urls import reverse

from matrix.fpx_simulator.models import SimulatedTransaction
from tests.fpx_simulator.helpers import signed_ar


def start(client, **overrides) -> tuple[dict[str, str], SimulatedTransaction, str]:
    """Post a signed AR; return it, the transaction and the bank's login URL."""
    ar = signed_ar(**overrides)
    response = client.post(reverse("fpx_simulator:ar"), ar)
    assert response.status_code == 302
    txn = SimulatedTransaction.objects.get(seller_ex_order_no=ar["fpx_sellerExOrderNo"])
    return ar, txn, response["Location"]


def log_in(client, login_url: str, username: str = "ali") -> str:
    """Sign in at the bank; return the signed ticket from the authorisation page."""
    response = client.post(login_url, {"username": username, "password": "anything at all"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm the payment" in page
    return re.search(r'name="ticket" value="([^"]+)"', page).group(1)


def decide(client, txn: SimulatedTransaction, ticket: str, outcome: str):
    response = client.post(reverse("fpx_simulator:bank_authorise", kwargs={"token": txn.bank_token}),
                           {"ticket": ticket, "outcome": outcome})
    assert response.status_code == 200
    return response
