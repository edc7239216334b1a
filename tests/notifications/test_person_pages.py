"""The person's message pages in Management: preferences (language of messages, reminders by SMS / email; bad input
refused in the person's language, nothing changed) and their own message history (what, when, channel, delivered)."""

import pytest
from django.db import transaction
from django.urls import reverse

from matrix.notifications.models import Message, MessagePreference
from matrix.notifications.services import email_send, sms_send
from tests.factories import user_make

pytestmark = pytest.mark.django_db

PREFERENCES = reverse("notifications_person:preferences")
HISTORY = reverse("notifications_person:history")


@pytest.fixture
def person(client):
    user = user_make()
    client.force_login(user)
    return user


def test_the_pages_need_a_login(client):
    for url in (PREFERENCES, HISTORY):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_management_links_to_both_pages(client, person):
    page = client.get(reverse("accounts:management")).content.decode()
    assert f'href="{PREFERENCES}"' in page and f'href="{HISTORY}"' in page
    malay = client.get(reverse("accounts:management"), HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "Pilihan mesej" in malay and "Sejarah mesej" in malay


def test_preferences_start_from_the_sign_up_language_and_are_saved(client, person):
    with transaction.atomic():
        sms_send(to=person.mobile, text="Kod 123456", kind="one_time_code", language="ms", user=person)
    form = client.get(PREFERENCES).context["form"]
    assert form.initial == {"language": "ms", "reminders_sms": True, "reminders_email": True}
    response = client.post(PREFERENCES, {"language": "en", "reminders_email": "on"})
    assert response.status_code == 302 and response["Location"] == PREFERENCES
    row = MessagePreference.objects.get(user=person)
    assert (row.language, row.reminders_sms, row.reminders_email) == ("en", False, True)
    page = client.get(PREFERENCES)
    assert "Your message preferences have been saved." in page.content.decode()
    assert page.context["form"].initial == {"language": "en", "reminders_sms": False, "reminders_email": True}


def test_a_bad_language_is_refused_in_the_persons_language_and_changes_nothing(client, person):
    MessagePreference.objects.create(user=person, language="en", reminders_sms=True, reminders_email=True)
    response = client.post(PREFERENCES, {"language": "fr"}, HTTP_ACCEPT_LANGUAGE="ms")
    page = response.content.decode()
    assert response.status_code == 200 and "Pilih English atau Bahasa Malaysia." in page
    assert 'class="error-summary"' in page
    row = MessagePreference.objects.get(user=person)
    assert (row.language, row.reminders_sms, row.reminders_email) == ("en", True, True)
    english = client.post(PREFERENCES, {}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Choose the language of your messages." in english


def test_the_history_shows_only_the_persons_own_messages_and_whether_they_arrived(client, person):
    other = user_make(email="other@example.com", mobile="60129999999")
    with transaction.atomic():
        delivered = sms_send(to=person.mobile, text="secret 482913", kind="renewal_reminder_d7", user=person)
        email_send(to=person.email, subject="s", text="t", kind="refund_paid", user=person)
        sms_send(to=other.mobile, text="x", kind="payment_failed", user=other)
    Message.objects.filter(pk=delivered.pk).update(status="DELIVERED", body_encrypted="", sent_at=delivered.created_at)
    response = client.get(HISTORY)
    rows = response.context["rows"]
    assert [(r.what, r.channel_label, r.status_label) for r in rows] == [
        ("Refund paid", "Email", "Waiting to be sent"), ("Renewal reminder: 7 days before", "SMS", "Delivered")]
    page = response.content.decode()
    assert "482913" not in page and "60129999999" not in page and "6012*****89" in page
    malay = client.get(HISTORY, HTTP_ACCEPT_LANGUAGE="ms").content.decode()
    assert "Peringatan pembaharuan: 7 hari sebelum" in malay and "Diterima" in malay


def test_an_empty_history(client, person):
    assert "No messages have been sent to you yet." in client.get(HISTORY).content.decode()
