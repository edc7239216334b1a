"""The renewal reminder job at national scale (issue 13): the texts rendered once per sector, language, end and
kind with markers are, after the values go in, exactly what a full render gives (whatever the name holds); a
render that could not be reused falls back to full renders; the messages of a page reach the broker in chunks of
PUBLISH_CHUNK, and a broker failure leaves them due for the sweep."""

from datetime import timedelta

import pytest

from matrix.core.kltime import kl_datetime
from matrix.notifications import reminders
from matrix.notifications.events import Choice
from matrix.notifications.models import Message, OutboxMessage
from matrix.notifications.reminders import Due, Renderer, reminder_texts
from tests.factories import person_make, user_make
from tests.notifications.test_reminders import LAST_DAY, run_on, sector_covered

NAMES = ["SITI ABDULLAH", "  LEADING AND TRAILING  ", "TWO  SPACES\tAND A TAB", "{{ name }} {% now 'Y' %}",
         "100% \\ back\\slash", "Nur 'Aisyah' \"Ali\"", "ÉLODIE 王小明 😀", "", "x" * 200]


def _due(name: str, *, registration_id: int = 4711, language: str = "en", sector=("Fisheries", "Perikanan")):
    return Due(registration_id=registration_id, period_end=kl_datetime(2027, 3, 31, 23, 59, 59), user_id=1,
               name=name, mobile="60123456789", email="a@example.com", sector_en=sector[0], sector_ms=sector[1],
               choice=Choice(language=language, reminders_sms=True, reminders_email=True))


@pytest.mark.parametrize("base_url", ["http://testserver", "https://matrix.perkeso.gov.my/portal/"])
def test_the_reused_render_gives_exactly_the_full_render(settings, base_url):
    settings.PORTAL_BASE_URL = base_url
    renderer = Renderer()
    for language in ("en", "ms"):
        for kind in ("D30", "D7", "D1", "LAPSED"):
            for number, name in enumerate(NAMES):
                due = _due(name, registration_id=1000 + number, language=language)
                assert renderer.texts(kind=kind, due=due) == reminder_texts(kind=kind, due=due), (language, kind, name)
    # One template render per (template, language, sector, end, kind), not one per reminder.
    assert len(renderer._renders) == 8 and all(texts is not None for texts in renderer._renders.values())


def test_a_render_that_changes_a_value_is_not_reused(monkeypatch):
    render = reminders.texts_render

    def shouting(*, kind, language, context):  # a template that upper-cases the name
        return render(kind=kind, language=language, context={**context, "name": context["name"].upper()})

    monkeypatch.setattr(reminders, "texts_render", shouting)
    renderer = Renderer()
    for name in ("siti", "aisyah"):
        due = _due(name)
        texts = renderer.texts(kind="D7", due=due)
        assert texts == reminder_texts(kind="D7", due=due) and name.upper() in texts[1].email
    assert list(renderer._renders.values()) == [None]


@pytest.mark.django_db
def test_the_messages_of_a_page_go_to_the_broker_in_chunks(monkeypatch, django_capture_on_commit_callbacks):
    from matrix.notifications.tasks import message_send

    for n in range(5):
        sector_covered(person=person_make(user=user_make(id_number=f"9001011480{n:02d}")))
    chunked = []
    chunks = message_send.chunks

    def recording(it, n):
        it = list(it)
        chunked.append((len(it), n))
        return chunks(it, n)

    monkeypatch.setattr(message_send, "chunks", recording)
    monkeypatch.setattr(reminders, "PUBLISH_CHUNK", 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(LAST_DAY - timedelta(days=7), batch_size=3)["D7"] == 5
    assert chunked == [(6, 4), (4, 4)]  # a page of 3 reminders (6 messages), then of 2: in chunks of 4
    assert OutboxMessage.objects.count() == 10  # each sent by message_send (tasks run eagerly here)
    assert set(Message.objects.values_list("status", flat=True)) == {"SENT"}


@pytest.mark.django_db
def test_a_broker_failure_leaves_the_messages_due_for_the_sweep(monkeypatch, django_capture_on_commit_callbacks):
    from matrix.notifications.tasks import message_send

    sector_covered()

    def down(it, n):
        raise ConnectionError("broker down")

    monkeypatch.setattr(message_send, "chunks", down)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_on(LAST_DAY - timedelta(days=7))["D7"] == 1
    messages = list(Message.objects.all())
    assert len(messages) == 2 and not OutboxMessage.objects.exists()
    assert all(m.status == "QUEUED" and m.next_attempt_at <= m.created_at + timedelta(seconds=1) for m in messages)
