"""A content page in the reader's language. Falls back to English where the Malay text is empty, and to the
starting texts (defaults.py) when the page has no row at all, so Terms & Conditions never goes missing."""

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import get_language

from matrix.pages.defaults import DEFAULT_PAGES
from matrix.pages.models import ContentPage
from matrix.pages.rendering import content_render


@dataclass(frozen=True)
class ShownPage:
    slug: str
    title: str
    body: SafeString
    language: str  # the language of the text shown: "ms" or "en"


def content_page_get(*, slug: str) -> ContentPage:
    page = ContentPage.objects.filter(slug=slug).first()
    return page if page is not None else ContentPage(slug=slug, **DEFAULT_PAGES[slug])


def content_page_shown(*, slug: str, language: str | None = None) -> ShownPage:
    page = content_page_get(slug=slug)
    malay = (language or get_language() or "en").startswith("ms")
    if malay and page.body_ms.strip():
        return ShownPage(slug, page.title_ms or page.title_en, content_render(page.body_ms), "ms")
    return ShownPage(slug, page.title_ms if malay and page.title_ms else page.title_en,
                     content_render(page.body_en), "en")
