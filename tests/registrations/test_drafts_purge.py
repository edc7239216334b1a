"""Draft uploads of registration forms abandoned before Submit & Pay are deleted after a day (command and task);
a purged draft file is asked for again instead of being announced as uploaded."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from matrix.registrations import drafts
from matrix.registrations.tasks import registrations_drafts_purge
from matrix.registrations.uploads import draft_file_save, draft_files_purge
from tests.registrations.helpers import form_data, form_files, png_bytes

pytestmark = pytest.mark.django_db

FORM_URL = "/self-employed/register/information-technology/"
CHECK_URL = FORM_URL + "check/"


def age(name: str, *, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(default_storage.path(name), (then, then))


def test_drafts_older_than_a_day_are_purged_and_nothing_else(capsys):
    old = draft_file_save(ContentFile(png_bytes(), name="a.png"))
    fresh = draft_file_save(ContentFile(png_bytes(), name="b.png"))
    document = default_storage.save("documents/0123456789abcdef0123456789abcdef", ContentFile(png_bytes()))
    stray = default_storage.save("drafts/not-a-draft-name.txt", ContentFile(b"x"))
    for name in (old, document, stray):
        age(name, hours=25)
    age(fresh, hours=23)

    assert draft_files_purge() == 1
    assert not default_storage.exists(old)
    assert all(default_storage.exists(name) for name in (fresh, document, stray))

    age(fresh, hours=30)
    call_command("registrations_drafts_purge")
    assert "Deleted 1 abandoned draft upload(s)." in capsys.readouterr().out
    assert not default_storage.exists(fresh)
    assert registrations_drafts_purge() == 0


def test_the_command_takes_a_shorter_age():
    name = draft_file_save(ContentFile(png_bytes(), name="a.png"))
    age(name, hours=3)
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
    for meta in kept.values():
        age(meta["storage_name"], hours=48)
    draft_files_purge()

    body = user_client.get(FORM_URL).content.decode()
    assert "Uploaded: mykad front.png" not in body
    response = user_client.post(FORM_URL, form_data())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select the Identification Card file." in body and "Select the Professional Certificate file." in body
    assert user_client.get(CHECK_URL)["Location"] == FORM_URL
