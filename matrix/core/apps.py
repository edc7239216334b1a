import os

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class CoreConfig(AppConfig):
    name = "matrix.core"
    label = "core"

    def ready(self):
        from django.conf import settings

        from matrix.core import checks  # noqa: F401 - registers the deploy and FPX key checks
        from matrix.core.metrics import collector_register

        # The CAPTCHA's test answer is for automated tests on a development server only.
        if os.environ.get("CAPTCHA_TEST_MODE", "").lower() in {"1", "true", "yes", "on"} and not settings.DEBUG:
            raise ImproperlyConfigured("CAPTCHA_TEST_MODE=1 is refused when DEBUG is off.")
        collector_register()

        from django.core.signals import request_finished

        from matrix.core.logging import request_id_clear

        request_finished.connect(request_id_clear, dispatch_uid="matrix.core.request_id_clear")
