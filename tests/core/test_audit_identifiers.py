"""Audit of issue 2: the Self-Employed Code generator is race-safe through the database, like the receipt number."""

import pytest
from django.db import transaction

from matrix.core.identifiers import self_employed_code_is_valid, self_employed_code_next
from tests.concurrency import race


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_self_employed_codes_never_repeat():
    def draw() -> list[str]:
        codes = []
        for _ in range(10):
            with transaction.atomic():
                codes.append(self_employed_code_next())
        return codes

    outcomes = race(draw, threads=8)
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert not errors, errors
    codes = [code for drawn in outcomes for code in drawn]
    assert len(codes) == 80 and len(set(codes)) == 80
    assert all(self_employed_code_is_valid(code) for code in codes)

