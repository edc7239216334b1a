from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "matrix.notifications"
    label = "notifications"
