"""Help, FAQ and Terms & Conditions come from ContentPage rows seeded from the old template texts, shown in the
reader's language, falling back to English (empty Malay text) and to the starting texts (no row)."""

import pytest
from django.urls import reverse

from matrix.pages.models import ContentPage
from matrix.pages.rendering import content_render

pytestmark = pytest.mark.django_db


def _malay(client):
    client.post(reverse("set_language"), {"language": "ms", "next": "/"})


def test_the_migrations_seeded_the_four_pages_in_both_languages():
    pages = {page.slug: page for page in ContentPage.objects.all()}
    assert set(pages) == {"help", "faq", "terms", "contact"}
    assert all(page.body_en and page.body_ms and page.title_ms for page in pages.values())
    assert "Cover is never backdated." in pages["terms"].body_en


@pytest.mark.parametrize(("name", "english", "malay"), [
    ("pages:help", "Log in with your IC number, check your secret phrase",
     "Log masuk dengan nombor kad pengenalan anda"),
    ("pages:terms", "Cover is never backdated.", "Perlindungan tidak sekali-kali berkuat kuasa ke belakang."),
    ("pages:faq", "Who can join the scheme?", "Siapa boleh menyertai skim ini?"),
    ("pages:faq", "a fine of up to RM10,000", "denda sehingga RM10,000"),
    ("pages:contact", "Social Security Organisation (PERKESO)", "Pertubuhan Keselamatan Sosial (PERKESO)"),
])
def test_each_page_in_the_readers_language(client, name, english, malay):
    body = client.get(reverse(name)).content.decode()
    assert english in body and malay not in body
    _malay(client)
    body = client.get(reverse(name)).content.decode()
    assert malay in body and english not in body


def test_an_edited_page_is_shown(client):
    ContentPage.objects.filter(slug="terms").update(body_en="1. New first term.\n2. Second term.",
                                                    body_ms="1. Terma pertama baharu.")
    body = client.get(reverse("pages:terms")).content.decode()
    assert '<ol class="list-decimal space-y-2 pl-6"><li>New first term.</li><li>Second term.</li></ol>' in body


def test_empty_malay_falls_back_to_english_marked_as_english(client):
    ContentPage.objects.filter(slug="help").update(body_ms="", title_ms="")
    _malay(client)
    body = client.get(reverse("pages:help")).content.decode()
    assert 'lang="en" data-content-page="help"' in body and "Log in with your IC number" in body
    assert "<h1>Help</h1>" in body


def test_a_missing_row_falls_back_to_the_starting_text(client):
    ContentPage.objects.filter(slug="terms").delete()
    body = client.get(reverse("pages:terms")).content.decode()
    assert "Cover is never backdated." in body


def test_staff_text_is_escaped_never_markup():
    html = content_render('## <b>Q</b>\nA <script>alert(1)</script> & "x"\n\n- one\n- <i>two</i>')
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert '<h2 class="mt-6">&lt;b&gt;Q&lt;/b&gt;</h2>' in html
    assert "<p>A &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</p>" in html
    assert '<ul class="list-disc space-y-2 pl-6"><li>one</li><li>&lt;i&gt;two&lt;/i&gt;</li></ul>' in html


def test_lines_of_a_paragraph_keep_their_breaks():
    assert content_render("first\nsecond") == "<p>first<br>second</p>"


def test_contact_us_is_a_content_page_staff_edit(client):
    ContentPage.objects.filter(slug="contact").update(body_en="## Counter\nLevel 1, Menara PERKESO.")
    body = client.get(reverse("pages:contact")).content.decode()
    assert "<h1>Contact Us</h1>" in body and '<h2 class="mt-6">Counter</h2>' in body


def test_migration_0003_refreshes_only_pages_staff_never_edited(administrator):
    """Pages with no updated_by get the fuller starting texts; a page staff edited keeps its text."""
    import importlib

    from django.apps import apps

    from matrix.pages.defaults import DEFAULT_PAGES

    migration = importlib.import_module("matrix.pages.migrations.0003_contact_page")
    ContentPage.objects.filter(slug="help").update(body_en="old starting text")
    ContentPage.objects.filter(slug="terms").update(body_en="Edited by staff.", updated_by=administrator.user)
    ContentPage.objects.filter(slug="contact").delete()
    migration.forwards(apps, None)
    pages = {page.slug: page for page in ContentPage.objects.all()}
    assert pages["help"].body_en == DEFAULT_PAGES["help"]["body_en"]
    assert pages["terms"].body_en == "Edited by staff."
    assert pages["contact"].body_ms == DEFAULT_PAGES["contact"]["body_ms"]
