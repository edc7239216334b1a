from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "matrix.backoffice"
    label = "backoffice"
