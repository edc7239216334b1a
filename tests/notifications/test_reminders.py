"""Renewal reminders (issue 11), with the clock moved by time-machine: 30, 7 and 1 days before a sector's cover
ends and on the day it lapses; none once a renewal is paid or while one awaits settlement; none for rejected or
cancelled sectors; several sectors ending on different days; a second run of the day sends nothing; the person's
language and channels; keyset pages; the management command."""

import io
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from matrix.contributions.models import Contribution
from matrix.core.kltime import KL, kl_datetime
from matrix.notifications.models import Message, MessagePreference, OutboxMessage, RenewalReminder
from matrix.notifications.reminders import renewal_reminders_send
from matrix.notifications.services import sms_send
from matrix.payments.models import Payment
from tests.factories import contribution_make, person_make, registration_make, user_make
from tests.payments.helpers import pending_payment_make

pytestmark = pytest.mark.django_db

LAST_DAY = date(2027, 3, 31)  # the cover's last day: it ends 31-03-2027 23:59:59 and lapses on 1 April


def paid_period(registration, *, last_day: date, months: int = 1, kind=Contribution.Kind.REGISTRATION):
    end = datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=KL)
    start = end - timedelta(days=30 * months) + timedelta(seconds=1)
    return contribution_make(registration=registration, kind=kind, months=months, state=Contribution.State.PAID,
                             start_at=start, end_at=end, paid_at=start, created_at=start)


def sector_covered(*, person=None, sector="information-technology", last_day=LAST_DAY):
    person = person or person_make(user=user_make(password=None))  # no password hashing: many people, fast
    registration = registration_make(person=person, sector=sector)
    paid_period(registration, last_day=last_day)
    return registration


def run_on(day: date, **kwargs) -> dict:
    """The daily job at 09:00 Kuala Lumpur time on `day`, as beat runs it (today's date from the clock)."""
    with time_machine.travel(kl_datetime(day.year, day.month, day.day, 9, 0), tick=False):
        return renewal_reminders_send(**kwargs)


def sent(**filters):
    return list(Message.objects.filter(**filters).order_by("pk"))


def test_each_reminder_day_and_the_lapse_day_in_the_persons_language(django_capture_on_commit_callbacks):
    registration = sector_covered()
    MessagePreference.objects.create(user=registration.person.user, language="ms")
    expected = {30: "renewal_reminder_d30", 7: "renewal_reminder_d7", 1: "renewal_reminder_d1",
                -1: "cover_lapsed_lapsed"}
    for offset in (31, 30, 29, 8, 7, 6, 2, 1, 0, -1, -2):  # each reminder day and the days around it
        day = LAST_DAY - timedelta(days=offset)
        before = Message.objects.count()
        with django_capture_on_commit_callbacks(execute=True):
            run_on(day)
        new = list(Message.objects.order_by("pk")[before:])
        if offset in expected:
            assert sorted((m.channel, m.kind, m.language) for m in new) == [
                ("EMAIL", expected[offset], "ms"), ("SMS", expected[offset], "ms")], day
        else:
            assert new == [], day
    texts = [o.body for o in OutboxMessage.objects.filter(channel="SMS").order_by("pk")]
    short = f"/messages/renew/{registration.pk}/"
    assert texts[0] == (f"PERKESO: Perlindungan Teknologi Maklumat tamat 31-03-2027 23:59:59. Perbaharui: "
                        f"http://testserver{short}") or texts[0].endswith(short)
    assert all("31-03-2027 23:59:59" in text and short in text for text in texts)
    assert "luput" in texts[-1]
    emails = OutboxMessage.objects.filter(channel="EMAIL").order_by("pk")
    renew = reverse("contributions:renew_sector", args=[registration.pk])
    assert all(renew in email.body and "31-03-2027 23:59:59" in email.body for email in emails)
    assert "dalam 30 hari" in emails[0].subject and "telah luput" in emails.last().subject
    assert RenewalReminder.objects.filter(registration=registration).count() == 4


def test_the_short_link_of_the_sms_opens_the_renewal_of_that_sector(client):
    response = client.get(reverse("notifications_person:renew", args=[1234567]))
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:renew_sector", args=[1234567])


def test_the_end_is_the_last_second_of_the_day_in_kuala_lumpur():
    """A cover ending 31-03 23:59:59 KL (15:59:59 UTC) is the 31st's, not the 30th's nor the 1st's."""
    ending_31 = sector_covered()
    ending_1 = sector_covered(last_day=LAST_DAY + timedelta(days=1))
    counts = run_on(LAST_DAY - timedelta(days=1))
    assert counts["D1"] == 1
    assert {r.registration_id for r in RenewalReminder.objects.all()} == {ending_31.pk}
    assert run_on(LAST_DAY)["D1"] == 1  # the second's
    assert run_on(LAST_DAY + timedelta(days=1))["LAPSED"] == 1  # the first lapses; the second is on its last day
    assert run_on(LAST_DAY + timedelta(days=2))["LAPSED"] == 1
    assert set(RenewalReminder.objects.values_list("registration_id", "kind")) == {
        (ending_31.pk, "D1"), (ending_31.pk, "LAPSED"), (ending_1.pk, "D1"), (ending_1.pk, "LAPSED")}


def test_a_renewal_paid_in_between_stops_the_reminders_of_the_old_end():
    registration = sector_covered()
    assert run_on(LAST_DAY - timedelta(days=30))["D30"] == 1
    paid_period(registration, last_day=date(2027, 4, 30), kind=Contribution.Kind.RENEWAL)  # paid ahead
    for offset in (7, 1, -1):
        assert sum(run_on(LAST_DAY - timedelta(days=offset)).values()) == 0
    assert run_on(date(2027, 4, 23))["D7"] == 1  # the new end has its own reminders
    assert list(RenewalReminder.objects.order_by("pk").values_list("kind", "period_end")) == [
        ("D30", kl_datetime(2027, 3, 31, 23, 59, 59)), ("D7", kl_datetime(2027, 4, 30, 23, 59, 59))]


def test_none_while_a_renewal_awaits_settlement_and_again_if_it_fails():
    registration = sector_covered()
    renewal = contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL)
    payment = pending_payment_make(contribution=renewal)
    assert sum(run_on(LAST_DAY - timedelta(days=7)).values()) == 0
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.NEEDS_ATTENTION, attention_reason="no answer")
    assert sum(run_on(LAST_DAY - timedelta(days=7)).values()) == 0
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, settled_at=payment.created_at)
    assert run_on(LAST_DAY - timedelta(days=1))["D1"] == 1  # the renewal is still unpaid: remind


def test_a_renewal_submitted_but_not_being_paid_still_gets_reminded():
    """The person started a renewal and left: the link takes them to it (renew_sector redirects to the unpaid one)."""
    registration = sector_covered()
    contribution_make(registration=registration, kind=Contribution.Kind.RENEWAL)
    assert run_on(LAST_DAY - timedelta(days=7))["D7"] == 1


def test_several_sectors_ending_on_different_days():
    person = person_make()
    it = sector_covered(person=person, sector="information-technology")
    food = sector_covered(person=person, sector="food", last_day=LAST_DAY + timedelta(days=23))
    counts = run_on(LAST_DAY - timedelta(days=7))  # 7 days before IT's end, 30 days before food's
    assert (counts["D7"], counts["D30"]) == (1, 1)
    sms = sent(channel="SMS")
    assert len(sms) == 2 and {m.kind for m in sms} == {"renewal_reminder_d7", "renewal_reminder_d30"}
    assert set(RenewalReminder.objects.values_list("registration_id", "kind")) == {(it.pk, "D7"), (food.pk, "D30")}
    assert run_on(LAST_DAY + timedelta(days=22))["D1"] == 1  # food's last-but-one day
    assert run_on(LAST_DAY + timedelta(days=1))["LAPSED"] == 1  # IT lapses; food still covered


def test_running_twice_on_one_day_sends_each_reminder_once(django_capture_on_commit_callbacks):
    for _ in range(3):
        sector_covered()
    with django_capture_on_commit_callbacks(execute=True):
        first = run_on(LAST_DAY - timedelta(days=30))
        second = run_on(LAST_DAY - timedelta(days=30))
    assert first["D30"] == 3 and second == {"D30": 0, "D7": 0, "D1": 0, "LAPSED": 0}
    assert Message.objects.count() == 6 and OutboxMessage.objects.count() == 6


def test_the_database_keeps_one_reminder_per_sector_period_and_kind():
    registration = sector_covered()
    fields = {"registration": registration, "period_end": kl_datetime(2027, 3, 31, 23, 59, 59), "kind": "D7"}
    RenewalReminder.objects.create(run_token="00000000-0000-0000-0000-000000000001", **fields)
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        RenewalReminder.objects.create(run_token="00000000-0000-0000-0000-000000000002", **fields)


def test_none_for_rejected_or_cancelled_sectors():
    rejected = sector_covered()
    Contribution.objects.filter(registration=rejected).update(state=Contribution.State.REJECTED, rejected_reason="x")
    cancelled = sector_covered(sector="food")
    cancelled.cancelled_at = cancelled.submitted_at
    cancelled.save(update_fields=["cancelled_at"])
    for offset in (30, 7, 1, -1):
        assert sum(run_on(LAST_DAY - timedelta(days=offset)).values()) == 0
    assert not RenewalReminder.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(("sms", "email", "channels"), [
    (True, False, ["SMS"]), (False, True, ["EMAIL"]), (False, False, [])])
def test_the_persons_channels(sms, email, channels):
    registration = sector_covered()
    MessagePreference.objects.create(user=registration.person.user, language="en", reminders_sms=sms,
                                     reminders_email=email)
    run_on(LAST_DAY - timedelta(days=7))
    assert sorted(m.channel for m in sent()) == channels
    assert RenewalReminder.objects.count() == 1  # written anyway: turning reminders on later resends nothing


def test_without_a_choice_the_language_is_the_one_signed_up_in():
    user = user_make()
    with transaction.atomic():
        sms_send(to=user.mobile, text="Kod anda 123456", kind="one_time_code", language="ms", user=user)
    sector_covered(person=person_make(user=user))
    english = sector_covered(person=person_make(user=user_make(id_number="900101145555")))
    run_on(LAST_DAY - timedelta(days=7))
    reminders = Message.objects.filter(kind="renewal_reminder_d7")
    assert set(reminders.filter(user=user).values_list("language", flat=True)) == {"ms"}
    assert set(reminders.filter(user=english.person.user).values_list("language", flat=True)) == {"en"}


def test_pages_of_a_few_rows_reach_every_sector_once():
    registrations = [sector_covered(person=person_make(user=user_make(id_number=f"9001011460{n:02d}")))
                     for n in range(7)]
    assert run_on(LAST_DAY - timedelta(days=1), batch_size=2)["D1"] == 7
    assert sorted(RenewalReminder.objects.values_list("registration_id", flat=True)) == sorted(
        r.pk for r in registrations)
    assert Message.objects.filter(channel="SMS").count() == 7


def test_the_management_command_runs_a_given_date():
    sector_covered()
    out = io.StringIO()
    call_command("send_renewal_reminders", "--date", "2027-03-01", stdout=out)
    assert out.getvalue().split() == ["D30=1", "D7=0", "D1=0", "LAPSED=0"]
    call_command("send_renewal_reminders", "--date", "2027-03-01", stdout=out)
    assert RenewalReminder.objects.count() == 1
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_renewal_reminders", "--date", "01-03-2027")


def test_the_daily_task_runs_today():
    from matrix.notifications.tasks import renewal_reminders_daily

    sector_covered()
    with time_machine.travel(kl_datetime(2027, 3, 24, 9, 0), tick=False):
        assert renewal_reminders_daily.apply().get()["D7"] == 1


def test_the_job_works_in_pages_of_a_fixed_number_of_queries():
    """Bounded work per page whatever the number of sectors: the queries grow with the pages, never per sector
    (the benchmark runs the same function over 100,000 sectors)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(sectors: int, last_day: date) -> int:
        for _ in range(sectors):
            sector_covered(last_day=last_day)
        with CaptureQueriesContext(connection) as captured:
            counts = run_on(last_day - timedelta(days=1), batch_size=5, publish=False)
        assert counts["D1"] == sectors
        return len(captured.captured_queries)

    one_page, two_pages, four_pages = queries(5, date(2027, 5, 10)), queries(10, date(2027, 6, 10)), queries(
        20, date(2027, 7, 10))
    per_page = two_pages - one_page
    assert per_page > 0 and four_pages - two_pages == 2 * per_page
    assert Message.objects.count() == 2 * 35 and Message.objects.filter(status="QUEUED").count() == 70


def test_the_daily_job_is_on_the_beat_schedule_that_the_in_process_scheduler_also_runs(settings):
    from config.celery import app
    from matrix.core.management.commands.scheduler import jobs_from_schedule

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-renewal-reminders"]
    assert entry["task"] == "matrix.notifications.tasks.renewal_reminders_daily"
    assert entry["schedule"].hour == {9} and entry["schedule"].minute == {0}  # 09:00 in CELERY_TIMEZONE (KL)
    assert settings.CELERY_TIMEZONE == "Asia/Kuala_Lumpur"
    app.loader.import_default_modules()
    jobs = jobs_from_schedule(settings.CELERY_BEAT_SCHEDULE, app=app, now=app.now())
    assert "notifications-renewal-reminders" in {job.name for job in jobs}
    assert "matrix.notifications.tasks.renewal_reminders_daily" in app.tasks
