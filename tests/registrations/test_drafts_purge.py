"""Draft uploads of registration forms abandoned before Submit & Pay are deleted after a day (command and task);
a purged draft file is asked for again instead of being announced as uploaded. A draft's age comes from the time
in its name, so the purge works alike on local disk and on S3 (tests/storage/ runs it on S3)."""

import os
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from matrix.registrations import drafts
from matrix.registrations.tasks import registrations_drafts_purge
from matrix.registrations.uploads import draft_file_save, draft_file_written_at, draft_files_purge
from tests.registrations.helpers import form_data, form_files, png_bytes

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = FORM_URL + "check/"


def saved_ago(*, hours: float) -> str:
    return draft_file_save(ContentFile(png_bytes(), name="a.png"), now=timezone.now() - timedelta(hours=hours))


def test_a_draft_name_carries_the_time_it_was_written():
    name = draft_file_save(ContentFile(png_bytes()), now=datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    assert re.fullmatch(r"drafts/20260304050607-[0-9a-f]{32}", name)
    assert draft_file_written_at(name) == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_drafts_older_than_a_day_are_purged_and_nothing_else(capsys):
    old = saved_ago(hours=25)
    fresh = saved_ago(hours=23)
    document = default_storage.save("documents/0123456789abcdef0123456789abcdef", ContentFile(png_bytes()))
    stray = default_storage.save("drafts/not-a-draft-name.txt", ContentFile(b"x"))
    for name in (document, stray):  # old on disk, but not drafts
        then = (timezone.now() - timedelta(hours=48)).timestamp()
        os.utime(default_storage.path(name), (then, then))

    assert draft_files_purge() == 1
    assert not default_storage.exists(old)
    assert all(default_storage.exists(name) for name in (fresh, document, stray))

    call_command("registrations_drafts_purge")
    assert "Deleted 0 abandoned draft upload(s)." in capsys.readouterr().out
    assert draft_files_purge(now=timezone.now() + timedelta(hours=2)) == 1
    assert not default_storage.exists(fresh)
    assert registrations_drafts_purge() == 0


def test_the_age_is_the_time_in_the_name_not_the_file_date():
    name = saved_ago(hours=30)
    now = timezone.now().timestamp()
    os.utime(default_storage.path(name), (now, now))  # touched (copied, restored): still 30 hours old
    assert registrations_drafts_purge() == 1
    assert not default_storage.exists(name)


def test_a_draft_written_before_names_carried_their_time_is_aged_by_its_file_date():
    old = default_storage.save("drafts/" + "a" * 32, ContentFile(png_bytes()))
    fresh = default_storage.save("drafts/" + "b" * 32, ContentFile(png_bytes()))
    then = (timezone.now() - timedelta(hours=25)).timestamp()
    os.utime(default_storage.path(old), (then, then))
    assert draft_files_purge() == 1
    assert not default_storage.exists(old) and default_storage.exists(fresh)


def test_the_command_takes_a_shorter_age():
    name = saved_ago(hours=3)
    call_command("registrations_drafts_purge", "--hours", "4")
    assert default_storage.exists(name)
    call_command("registrations_drafts_purge", "--hours", "2")
    assert not default_storage.exists(name)


def test_purge_without_any_draft_folder_does_nothing():
    assert draft_files_purge() == 0


def test_a_purged_draft_file_is_asked_for_again(user_client):
    data = form_data()
    data.pop("acknowledged")
    user_client.post(FORM_URL, {**data, **form_files()})
    kept = drafts.draft_files(user_client.session, sector_code="information-technology")
    assert set(kept) == {"identification_card", "sector_document", "other_document"}
    assert draft_files_purge(now=timezone.now() + timedelta(hours=48)) == 3

    body = user_client.get(FORM_URL).content.decode()
    assert "Uploaded: mykad front.png" not in body
    response = user_client.post(FORM_URL, form_data())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select the Identification Card file." in body and "Select the Professional Certificate file." in body
    assert user_client.get(CHECK_URL)["Location"] == FORM_URL
