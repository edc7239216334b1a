from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "matrix.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self):
        from matrix.api import signals  # noqa: F401 - connects the token revocation receivers
