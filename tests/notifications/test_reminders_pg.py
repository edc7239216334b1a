"""Renewal reminders on PostgreSQL: two runs of one day at the same moment (two beats, or beat and a person running
the command) write each reminder once and queue its messages once: the unique constraint decides."""

from datetime import timedelta
from functools import partial

import pytest

from matrix.notifications.models import Message, RenewalReminder
from matrix.notifications.reminders import renewal_reminders_send
from tests.concurrency import LockHeld, race
from tests.factories import person_make, user_make
from tests.notifications.test_reminders import LAST_DAY, sector_covered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_at_once_send_each_reminder_once():
    for n in range(5):
        sector_covered(person=person_make(user=user_make(id_number=f"9001011470{n:02d}")))
    run = partial(renewal_reminders_send, day=LAST_DAY - timedelta(days=7), batch_size=2, publish=False)
    # Both runs read the same five sectors, then meet at the insert (held until both wait for it).
    with LockHeld("LOCK TABLE notifications_renewalreminder IN EXCLUSIVE MODE", waiters=2) as held:
        outcomes = race(run, run)
    assert held.released_on_waiters
    assert all(isinstance(outcome, dict) for outcome in outcomes), outcomes
    assert sum(outcome["D7"] for outcome in outcomes) == 5  # one run, or both by pages: never more
    assert RenewalReminder.objects.count() == 5
    assert Message.objects.filter(channel="SMS").count() == 5 and Message.objects.filter(channel="EMAIL").count() == 5


def test_the_job_reads_the_partial_index_of_paid_ends():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'notifications_contribution_paid_end_idx'")
        [(definition,)] = cursor.fetchall()
    assert "(end_at, id)" in definition and "WHERE" in definition and "PAID" in definition
