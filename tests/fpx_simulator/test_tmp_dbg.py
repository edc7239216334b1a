import pytest
from matrix.reference.models import Bank
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

def test_a():
    print("A", Bank.objects.count())
def test_b(live_server):
    print("B", Bank.objects.count())
def test_c(live_server):
    print("C", Bank.objects.count())
