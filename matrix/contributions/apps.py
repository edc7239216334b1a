from django.apps import AppConfig


class ContributionsConfig(AppConfig):
    name = "matrix.contributions"
    label = "contributions"
