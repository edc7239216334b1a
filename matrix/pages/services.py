"""Editing a content page: one transaction, the audit row holds the texts before and after."""

from django.db import transaction
from django.utils import timezone

from matrix.backoffice.audit import audit_record
from matrix.pages.defaults import DEFAULT_PAGES
from matrix.pages.models import ContentPage

FIELDS = ("title_en", "title_ms", "body_en", "body_ms")


def content_page_update(*, request=None, actor, slug: str, title_en: str, title_ms: str, body_en: str,
                        body_ms: str) -> ContentPage:
    with transaction.atomic():
        page, _created = ContentPage.objects.select_for_update().get_or_create(slug=slug,
                                                                               defaults=DEFAULT_PAGES[slug])
        before = {name: getattr(page, name) for name in FIELDS}
        after = {"title_en": title_en, "title_ms": title_ms, "body_en": body_en, "body_ms": body_ms}
        changed = {name: {"before": before[name], "after": after[name]} for name in FIELDS
                   if before[name] != after[name]}
        for name, value in after.items():
            setattr(page, name, value)
        page.updated_at, page.updated_by = timezone.now(), actor
        page.save(update_fields=[*FIELDS, "updated_at", "updated_by"])
        audit_record(request=request, actor=actor, action="content.update", target=page,
                     details={"slug": slug, "changes": changed})
    return page
