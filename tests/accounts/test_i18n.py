import re
from pathlib import Path

import polib
import pytest

import matrix.accounts

CATALOGUE = Path(matrix.accounts.__file__).parent / "locale" / "ms" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")


def test_malay_catalogue_is_complete_and_keeps_placeholders():
    po = polib.pofile(str(CATALOGUE))
    assert len(po) > 100
    assert not po.fuzzy_entries() and not po.metadata_is_fuzzy
    for entry in po:
        if entry.obsolete:
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert text.strip(), f"untranslated: {entry.msgid!r}"
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid


@pytest.mark.django_db
def test_sign_up_and_login_pages_in_bahasa_malaysia(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ms"
    html = client.get("/accounts/signup/").content.decode()
    for text in ["Pilih Jenis ID", "Nombor Kad Pengenalan (cth. 790811087654)", "Taip teks", "Seterusnya",
                 "Terma dan Syarat", "DI SINI"]:
        assert text in html, text
    html = client.post("/accounts/signup/", {"id_type": "MYKAD", "id_number": "791311087654"}).content.decode()
    assert "Masukkan nombor kad pengenalan yang sah" in html
    html = client.get("/accounts/login/").content.decode()
    assert "Log Masuk" in html and "Lupa kata laluan?" in html
