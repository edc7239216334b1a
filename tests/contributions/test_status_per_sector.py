"""Expired is decided per sector (issue 8, defect 6), and every instant has one status (defect 7): a past
period of a sector whose cover continues keeps Active/Renewed; Expired ("Please renew") only once the sector's
cover has ended, which happens at 00:00:00 after the last 23:59:59, not during its last second. The Contribution
History, View Contribution and the Dashboard agree."""

from datetime import timedelta

import pytest
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.contributions.selectors import contribution_history, history_rows
from matrix.contributions.services import contribution_mark_paid
from matrix.core.kltime import kl_datetime
from matrix.registrations.selectors import CoverState, sector_covers
from tests.contributions.helpers import table_rows
from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


def _sector_with_renewal(user, *, renewal_paid_at):
    """A 1-month first period 10-01-2020 09:00 .. 09-02-2020 23:59:59 and a 2-month renewal."""
    registration = registration_make(person=person_make(user=user), sector="agent")
    first = contribution_make(registration=registration, months=1, created_at=kl_datetime(2020, 1, 10, 9))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9))
    renewal = contribution_make(registration=registration, months=2, kind="RENEWAL",
                                created_at=renewal_paid_at)
    contribution_mark_paid(contribution=renewal, paid_at=renewal_paid_at)
    first.refresh_from_db()
    renewal.refresh_from_db()
    return first, renewal


def _statuses(user, user_client, first, renewal):
    rows = {row.contribution.pk: row.status for row in
            history_rows(user=user, contributions=contribution_history(user=user))}
    page = table_rows(user_client.get(reverse("contributions:history")).content.decode())[1:]
    shown = {row[0]: row[6] for row in page}
    detail = {
        c.pk: user_client.get(reverse("contributions:detail", args=[c.pk])).content.decode()
        .split("data-contribution-status=\"")[1].split('"')[0]
        for c in (first, renewal)
    }
    return rows, shown, detail


def test_a_past_period_of_a_sector_still_covered_is_not_expired(user, user_client, time_machine):
    first, renewal = _sector_with_renewal(user, renewal_paid_at=kl_datetime(2020, 2, 1, 8))
    time_machine.move_to("2020-03-01 12:00:00+08:00")  # the first period is over, the renewal runs
    rows, shown, detail = _statuses(user, user_client, first, renewal)
    assert rows == {first.pk: "ACTIVE", renewal.pk: "RENEWED"}
    assert shown == {"10-01-2020 09:00:00": "Active", "10-02-2020 00:00:00": "Renewed"}
    assert detail == rows
    dashboard = user_client.get(reverse("registrations:dashboard")).content.decode()
    assert "Coverage period expired. Please renew." not in dashboard
    [cover] = sector_covers(user=user)
    assert cover.state == CoverState.ACTIVE


def test_a_sector_paid_ahead_is_not_expired_between_its_periods(user, user_client, time_machine):
    first, renewal = _sector_with_renewal(user, renewal_paid_at=kl_datetime(2020, 1, 11, 8))
    time_machine.move_to("2020-02-10 00:00:00+08:00")  # the first instant of the paid-ahead renewal
    rows, _, detail = _statuses(user, user_client, first, renewal)
    assert rows == detail == {first.pk: "ACTIVE", renewal.pk: "RENEWED"}


def test_every_period_expires_once_the_sectors_cover_has_ended(user, user_client, time_machine):
    first, renewal = _sector_with_renewal(user, renewal_paid_at=kl_datetime(2020, 2, 1, 8))
    time_machine.move_to("2020-04-10 00:00:00+08:00")  # renewal ended 09-04-2020 23:59:59
    rows, shown, detail = _statuses(user, user_client, first, renewal)
    assert rows == detail == {first.pk: "EXPIRED", renewal.pk: "EXPIRED"}
    assert set(shown.values()) == {"Expired"}
    dashboard = user_client.get(reverse("registrations:dashboard")).content.decode()
    assert "Coverage period expired. Please renew." in dashboard
    [cover] = sector_covers(user=user)
    assert cover.state == CoverState.EXPIRED


@pytest.mark.parametrize(("moment", "status", "cover"), [
    (kl_datetime(2020, 2, 9, 23, 59, 59), "ACTIVE", CoverState.ACTIVE),
    (kl_datetime(2020, 2, 9, 23, 59, 59) + timedelta(microseconds=400000), "ACTIVE", CoverState.ACTIVE),
    (kl_datetime(2020, 2, 9, 23, 59, 59) + timedelta(microseconds=999999), "ACTIVE", CoverState.ACTIVE),
    (kl_datetime(2020, 2, 10), "EXPIRED", CoverState.EXPIRED),
])
def test_the_last_second_is_still_covered_everywhere(user, moment, status, cover):
    registration = registration_make(person=person_make(user=user), sector="agent")
    first = contribution_make(registration=registration, months=1, created_at=kl_datetime(2020, 1, 10, 9))
    contribution_mark_paid(contribution=first, paid_at=kl_datetime(2020, 1, 10, 9))
    first.refresh_from_db()
    assert first.status_at(moment) == status
    [row] = history_rows(user=user, contributions=contribution_history(user=user), now=moment)
    assert row.status == status
    [sector] = sector_covers(user=user, now=moment)
    assert sector.state == cover


def test_a_renewal_paid_at_23_59_59_4_on_the_last_day_follows_without_a_gap(user):
    last = kl_datetime(2020, 2, 9, 23, 59, 59) + timedelta(microseconds=400000)
    first, renewal = _sector_with_renewal(user, renewal_paid_at=last)
    assert renewal.start_at == kl_datetime(2020, 2, 10)
    assert renewal.end_at == kl_datetime(2020, 4, 9, 23, 59, 59)
    assert first.status_at(last) == "ACTIVE" and renewal.status_at(last) == "RENEWED"


def test_status_at_without_the_sector_end_looks_it_up(user):
    first, renewal = _sector_with_renewal(user, renewal_paid_at=kl_datetime(2020, 2, 1, 8))
    plain = Contribution.objects.get(pk=first.pk)
    assert not hasattr(plain, "sector_latest_end")
    assert plain.status_at(kl_datetime(2020, 3, 1)) == "ACTIVE"
    assert Contribution.objects.with_sector_end().get(pk=first.pk).sector_latest_end == renewal.end_at


def test_the_legend_keeps_the_seeds_12_months(user, user_client):
    body = user_client.get(reverse("contributions:history")).content.decode()
    assert "Coverage period is active. (12 Months)" in body
    user_client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    body = user_client.get(reverse("contributions:history")).content.decode()
    assert "Tempoh perlindungan aktif. (12 Bulan)" in body
