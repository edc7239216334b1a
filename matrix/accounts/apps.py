from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "matrix.accounts"
    label = "accounts"
