"""The CAPTCHA's accessible alternative: the sign-up page offers the text spoken aloud (flite, installed by
`make test`), and the audio answers as a WAV file."""

import re
import shutil

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_sign_up_offers_the_captcha_as_speech(client: Client, settings):
    assert shutil.which("flite"), "flite is missing: `make test` installs it (Debian package flite)"
    settings.CAPTCHA_FLITE_PATH = shutil.which("flite")
    page = client.get("/accounts/signup/").content.decode()
    match = re.search(r'<a href="([^"]+)">Listen to the text instead</a>', page)
    assert match, "no audio link on the sign-up page"
    audio = client.get(match.group(1))
    assert audio.status_code == 200
    assert audio["Content-Type"].startswith("audio/")
    body = b"".join(audio.streaming_content) if audio.streaming else audio.content
    assert body[:4] == b"RIFF" and body[8:12] == b"WAVE"
