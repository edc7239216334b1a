"""Seed Help, FAQ and Terms & Conditions from the texts the templates held (matrix/pages/defaults.py), in English
and Malay. An existing row is left as staff wrote it."""

from django.db import migrations


def forwards(apps, schema_editor):
    from matrix.pages.defaults import DEFAULT_PAGES

    ContentPage = apps.get_model("pages", "ContentPage")
    for slug in ("help", "faq", "terms"):  # the pages of 0001's constraint (0003 adds Contact Us)
        ContentPage.objects.get_or_create(slug=slug, defaults=DEFAULT_PAGES[slug])


class Migration(migrations.Migration):
    dependencies = [("pages", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
