from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "matrix.payments"
    label = "payments"
