import pytest
from django.db import connections
from django.db.backends.base import creation
from matrix.reference.models import Bank
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
orig = creation.BaseDatabaseCreation.deserialize_db_from_string
def spy(self, data):
    print("DESERIALIZE", len(data), self.connection.alias, id(self.connection))
    return orig(self, data)
creation.BaseDatabaseCreation.deserialize_db_from_string = spy

def test_a():
    print("A", Bank.objects.count(), id(connections["default"]))
def test_c(browser):
    print("C", Bank.objects.count(), hasattr(connections["default"], "_test_serialized_contents"), id(connections["default"]))
def test_e():
    print("E", Bank.objects.count(), id(connections["default"]))
