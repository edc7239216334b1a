"""FPX approving an attempt already closed as Failed changes a past day of the staff reports (the attempt's status
on the day it was made, the contribution paid from FPX's approval time): the settlement marks that day, and the
next ordinary refresh of the summary (not the nightly rebuild) gives the live figures again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matrix.core.kltime import kl
from matrix.payments.models import FpxMessage, Payment
from matrix.payments.services import payment_settle
from matrix.reports import selectors
from matrix.reports.models import DailyFigure, SummaryStaleDay
from matrix.reports.summary import summary_refresh
from tests.payments.fpxkit import ac_fields, body
from tests.payments.helpers import pending_payment_make
from tests.reports.test_summary import live_figures, summary_figures

pytestmark = pytest.mark.django_db


def test_a_late_approval_of_a_failed_attempt_is_counted_by_the_next_refresh(fpx_key, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    payment = pending_payment_make()
    made_at = timezone.now() - timedelta(days=10)
    # Made 10 days ago and closed as Failed (the enquiries found nothing); the summary counted that day so.
    Payment.objects.filter(pk=payment.pk).update(created_at=made_at, status=Payment.Status.FAILED)
    payment.refresh_from_db()
    summary_refresh()
    day = kl(made_at).date()
    assert DailyFigure.objects.get(day=day, figure=DailyFigure.Figure.PAYMENT_STATUS, key="FAILED").count == 1

    # Today FPX says the bank approved it a minute after it was made.
    approved = kl(made_at + timedelta(minutes=1)).strftime("%Y%m%d%H%M%S")
    fields = ac_fields(payment, key=fpx_key, fpxTxnTime=approved)
    result = payment_settle(fields=fields, raw_body=body(fields), channel=FpxMessage.Channel.AC_DIRECT)
    assert result.outcome.startswith("late approval")
    assert list(SummaryStaleDay.objects.values_list("day", flat=True)) == [day]

    summary_refresh()  # the ordinary refresh of a few minutes later
    today = kl(timezone.now()).date()
    period = selectors.Period(today - timedelta(days=30), today)
    assert summary_figures(period) == live_figures(period, now=timezone.now())
    assert DailyFigure.objects.get(day=day, figure=DailyFigure.Figure.PAYMENT_STATUS, key="PAID").count == 1
    assert not DailyFigure.objects.filter(day=day, figure=DailyFigure.Figure.PAYMENT_STATUS, key="FAILED").exists()
    assert not SummaryStaleDay.objects.exists()  # the marks it read are gone
