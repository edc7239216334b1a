from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "matrix.reference"
    label = "reference"
