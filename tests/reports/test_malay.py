import polib
from django.conf import settings


def test_the_malay_catalogue_is_complete():
    catalogue = polib.pofile(str(settings.BASE_DIR / "matrix" / "reports" / "locale" / "ms" / "LC_MESSAGES" /
                                 "django.po"))
    assert catalogue.percent_translated() == 100
    assert not [entry.msgid for entry in catalogue if "fuzzy" in entry.flags and not entry.obsolete]
