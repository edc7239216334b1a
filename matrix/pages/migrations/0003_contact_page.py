"""Contact Us becomes a content page staff edit. Seeds it, and brings the pages staff never edited (no
updated_by) up to the fuller starting texts of matrix/pages/defaults.py; a page staff edited is left as written."""

from django.conf import settings
from django.db import migrations, models


def forwards(apps, schema_editor):
    from matrix.pages.defaults import DEFAULT_PAGES

    ContentPage = apps.get_model("pages", "ContentPage")
    for slug, texts in DEFAULT_PAGES.items():
        page, created = ContentPage.objects.get_or_create(slug=slug, defaults=texts)
        if not created and page.updated_by_id is None:
            ContentPage.objects.filter(pk=page.pk).update(**texts)


class Migration(migrations.Migration):

    dependencies = [
        ('pages', '0002_seed_content_pages'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='contentpage',
            name='content_page_slug',
        ),
        migrations.AlterField(
            model_name='contentpage',
            name='slug',
            field=models.CharField(choices=[('help', 'Help'), ('faq', 'FAQ'), ('terms', 'Terms & Conditions'), ('contact', 'Contact Us')], max_length=20, unique=True),
        ),
        migrations.AddConstraint(
            model_name='contentpage',
            constraint=models.CheckConstraint(condition=models.Q(('slug__in', ['help', 'faq', 'terms', 'contact'])), name='content_page_slug'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
