"""A person changes their message preferences in Management and sees their message history (issue 11): the 30-day
reminder arrives by SMS and email in English; they choose Bahasa Malaysia and no reminders by SMS; the 7-day
reminder then comes by email only, in Malay; the history says what was sent, when, how, and that the SMS was
delivered."""

from datetime import timedelta

import pytest
from django.db import transaction
from playwright.sync_api import expect

from matrix.notifications.models import Message, MessagePreference, OutboxMessage
from matrix.notifications.services import sms_receipt_record
from tests.browser.conftest import page_sign_in
from tests.notifications.test_reminders import LAST_DAY, run_on, sector_covered

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_changes_preferences_and_sees_their_message_history(page):
    registration = sector_covered()
    user = registration.person.user
    with transaction.atomic():  # the 30-day reminder, sent when the transaction commits (eager tasks)
        run_on(LAST_DAY - timedelta(days=30))
    sms = Message.objects.get(channel="SMS")
    assert sms.status == "SENT" and sms.language == "en"
    sms_receipt_record(provider_id=sms.provider_id, status="delivered")  # the gateway's delivery receipt

    page_sign_in(page, user)
    page.goto(page.base_url + "/accounts/management/")
    page.get_by_role("link", name="Message preferences").click()
    expect(page.get_by_role("heading", name="Message preferences")).to_be_visible()
    expect(page.get_by_label("English")).to_be_checked()
    expect(page.get_by_label("Send me renewal reminders by SMS")).to_be_checked()
    page.get_by_label("Bahasa Malaysia").check()
    page.get_by_label("Send me renewal reminders by SMS").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your message preferences have been saved.")
    expect(page.get_by_label("Bahasa Malaysia")).to_be_checked()
    expect(page.get_by_label("Send me renewal reminders by SMS")).not_to_be_checked()
    expect(page.get_by_label("Send me renewal reminders by email")).to_be_checked()
    choice = MessagePreference.objects.get(user=user)
    assert (choice.language, choice.reminders_sms, choice.reminders_email) == ("ms", False, True)

    with transaction.atomic():  # the 7-day reminder: email only, in Malay
        run_on(LAST_DAY - timedelta(days=7))
    latest = OutboxMessage.objects.filter(channel="EMAIL").order_by("-pk").first()
    assert "tamat dalam 7 hari" in latest.subject and OutboxMessage.objects.filter(channel="SMS").count() == 1

    page.get_by_role("link", name="Message history").click()
    expect(page.get_by_role("heading", name="Message history")).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Renewal reminder: 7 days before")
    expect(rows.nth(0)).to_contain_text("Email")
    expect(rows.nth(0)).to_contain_text("Sent")
    delivered = page.locator("tr", has=page.locator("td[data-status='DELIVERED']"))
    expect(delivered).to_have_count(1)
    expect(delivered).to_contain_text("Renewal reminder: 30 days before")
    expect(delivered).to_contain_text("SMS")
    expect(delivered).to_contain_text("Delivered")
    expect(page.locator("body")).not_to_contain_text(user.mobile)  # the number is masked
