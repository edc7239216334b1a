from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "matrix.api"
    label = "api"
