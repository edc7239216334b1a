"""Every Malay catalogue in the project is complete: no empty, fuzzy or placeholder-mismatched entry."""

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    path for path in ROOT.glob("**/locale/ms/LC_MESSAGES/django.po")
    if ".venv" not in path.parts and "node_modules" not in path.parts
)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def test_there_is_a_catalogue_per_app_with_pages():
    relative = [path.relative_to(ROOT).parts for path in CATALOGUES]
    apps = {parts[1] for parts in relative if parts[0] == "matrix"}
    assert ("locale", "ms", "LC_MESSAGES", "django.po") in relative  # the layout's own catalogue
    assert {"accounts", "registrations", "contributions", "payments", "fpx_simulator"} <= apps


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda path: str(path.relative_to(ROOT)))
def test_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy
    for entry in catalogue.translated_entries():
        translations = [entry.msgstr] if entry.msgstr else list(entry.msgstr_plural.values())
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(translation)), entry.msgid
