from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "matrix.pages"
    label = "pages"
