"""Content pages (Help, FAQ, Terms & Conditions, Contact Us): written by Administrators in English and Malay,
shown in the person's language. Bodies are plain text with a tiny layout language (see rendering.py): never
HTML, so what staff type cannot inject markup into a public page."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContentPage(models.Model):
    class Slug(models.TextChoices):
        HELP = "help", _("Help")
        FAQ = "faq", _("FAQ")
        TERMS = "terms", _("Terms & Conditions")
        CONTACT = "contact", _("Contact Us")

    slug = models.CharField(max_length=20, unique=True, choices=Slug.choices)
    title_en = models.CharField(_("Title (English)"), max_length=120)
    title_ms = models.CharField(_("Title (Malay)"), max_length=120, blank=True)
    body_en = models.TextField(_("Text (English)"))
    body_ms = models.TextField(_("Text (Malay)"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slug__in=["help", "faq", "terms", "contact"]),
                                   name="content_page_slug"),
            models.CheckConstraint(condition=~models.Q(title_en="") & ~models.Q(body_en=""),
                                   name="content_page_english_required"),
        ]

    def __str__(self) -> str:
        return self.title_en
