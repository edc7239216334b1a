import polib
import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import contribution_make, person_make, registration_make

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("app", ["registrations", "contributions"])
def test_the_malay_catalogue_is_complete(app):
    catalogue = polib.pofile(str(settings.BASE_DIR / "matrix" / app / "locale" / "ms" / "LC_MESSAGES" / "django.po"))
    assert catalogue.percent_translated() == 100
    assert not [entry.msgid for entry in catalogue if "fuzzy" in entry.flags and not entry.obsolete]


def test_the_pages_speak_malay(user, user_client):
    registration = registration_make(person=person_make(user=user), sector="information-technology")
    contribution_make(registration=registration)
    user_client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    body = user_client.get(reverse("contributions:history")).content.decode()
    assert "Sejarah Caruman" in body and "TEKNOLOGI MAKLUMAT" in body and "Dihantar" in body
    assert "4 Bulan" in body and "Transaksi FPX berjaya." in body
    body = user_client.get(reverse("registrations:register")).content.decode()
    assert "PILIH SEKTOR" in body and "Teknologi Maklumat (BERDAFTAR)" in body
    body = user_client.get("/self-employed/register/agent/").content.decode()
    assert "RM 157.20 SETAHUN" in body and "Pendapatan Bulanan Diinsuranskan RM 1,050 sebulan" in body
    assert "Surat Tawaran" in body
