from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "matrix.reports"
    label = "reports"
