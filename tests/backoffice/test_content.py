"""Content pages in the back office (Administrators): edited in both languages, audited, shown publicly."""

import pytest
from django.urls import reverse

from matrix.backoffice.models import AuditEvent
from matrix.pages.models import ContentPage
from tests.backoffice.conftest import staff_client

pytestmark = pytest.mark.django_db


def _form(page: ContentPage, **changes) -> dict:
    data = {name: getattr(page, name) for name in ("title_en", "title_ms", "body_en", "body_ms")}
    data.update(changes)
    return data


def test_an_administrator_edits_the_faq_in_both_languages_and_it_is_audited(administrator, client):
    page = ContentPage.objects.get(slug="faq")
    staff = staff_client(administrator)
    form_page = staff.get(reverse("backoffice:content_edit", args=["faq"])).content.decode()
    assert "Who can join the scheme?" in form_page and 'lang="ms"' in form_page
    response = staff.post(reverse("backoffice:content_edit", args=["faq"]), _form(
        page, body_en="## Is there an age limit?\nNo.", body_ms="## Adakah had umur?\nTidak."))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.updated_by == administrator.user
    event = AuditEvent.objects.get(action="content.update")
    assert event.actor == administrator.user and event.target_id == str(page.pk)
    assert set(event.details["changes"]) == {"body_en", "body_ms"}
    assert event.details["changes"]["body_en"]["after"] == "## Is there an age limit?\nNo."
    assert "Who can join the scheme?" in event.details["changes"]["body_en"]["before"]
    assert "Is there an age limit?" in client.get(reverse("pages:faq")).content.decode()
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})
    assert "Adakah had umur?" in client.get(reverse("pages:faq")).content.decode()


def test_english_text_is_required(administrator):
    page = ContentPage.objects.get(slug="terms")
    response = staff_client(administrator).post(reverse("backoffice:content_edit", args=["terms"]),
                                                _form(page, body_en=""))
    assert response.status_code == 400 and "There is a problem" in response.content.decode()
    assert not AuditEvent.objects.filter(action="content.update").exists()


def test_the_list_shows_the_three_pages_and_an_unknown_page_is_404(administrator):
    client = staff_client(administrator)
    body = client.get(reverse("backoffice:content_list")).content.decode()
    for slug in ("help", "faq", "terms"):
        assert reverse("backoffice:content_edit", args=[slug]) in body
    assert client.get(reverse("backoffice:content_edit", args=["privacy"])).status_code == 404
