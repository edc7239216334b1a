"""Database-backed running numbers. Each draw inserts a row: the database's autoincrement hands out the
number, so two concurrent draws can never get the same one, and a number is never reused (SQLite tables are
AUTOINCREMENT, PostgreSQL identities never go back)."""

from django.db import models


class RunningNumber(models.Model):
    drawn_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class SelfEmployedCodeNumber(RunningNumber):
    class Meta:
        db_table = "core_self_employed_code_number"


class ReceiptNumber(RunningNumber):
    class Meta:
        db_table = "core_receipt_number"
