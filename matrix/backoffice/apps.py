from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "matrix.backoffice"
    label = "backoffice"

    def ready(self):
        # The Django admin: superusers only, and only with a verified second factor (signed in at /staff/login/).
        from matrix.backoffice.admin_site import admin_site_secure

        admin_site_secure()
