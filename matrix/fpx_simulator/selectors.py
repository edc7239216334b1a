"""Reads of the simulator's transactions."""

from django.db.models import QuerySet

from matrix.fpx_simulator.models import SimulatedTransaction


def simulated_transaction_by_token(*, bank_token: str) -> SimulatedTransaction | None:
    return SimulatedTransaction.objects.select_related("bank").filter(bank_token=bank_token).first()


def simulated_transaction_by_order(*, seller_ex_id: str, seller_ex_order_no: str) -> SimulatedTransaction | None:
    return (
        SimulatedTransaction.objects.select_related("bank")
        .filter(seller_ex_id=seller_ex_id, seller_ex_order_no=seller_ex_order_no)
        .first()
    )


def simulated_transaction_find(
    *, fpx_txn_id: str | None = None, seller_ex_order_no: str | None = None
) -> SimulatedTransaction:
    """One transaction by its FPX transaction id or the seller's exchange order number (DoesNotExist if none)."""
    if not fpx_txn_id and not seller_ex_order_no:
        raise ValueError("give fpx_txn_id or seller_ex_order_no")
    filters = {"fpx_txn_id": fpx_txn_id} if fpx_txn_id else {"seller_ex_order_no": seller_ex_order_no}
    return SimulatedTransaction.objects.select_related("bank").get(**filters)


def simulated_transaction_list(*, limit: int = 50) -> QuerySet[SimulatedTransaction]:
    return SimulatedTransaction.objects.select_related("bank").order_by("-created_at", "-pk")[:limit]
