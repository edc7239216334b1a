from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "matrix.registrations"
    label = "registrations"
