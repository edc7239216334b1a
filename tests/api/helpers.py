"""Rows the API tests start from (made straight through the ORM)."""

from datetime import timedelta

from django.utils import timezone

from matrix.contributions.models import Contribution
from matrix.core.coverage import coverage_end
from tests.factories import contribution_make, person_make, registration_make


def paid_registration(user, *, sector: str = "information-technology", months: int = 4):
    """`user`'s registration of `sector` whose first period (plan 2) was paid a week ago."""
    registration = registration_make(person=person_make(user=user), sector=sector)
    start = timezone.now() - timedelta(days=7)
    first = contribution_make(registration=registration, months=months, state=Contribution.State.PAID,
                              start_at=start, end_at=coverage_end(start=start, months=months), paid_at=start,
                              created_at=start)
    return registration, first
