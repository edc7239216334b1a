"""Settings of the Celery worker subprocess the message tests start: the test settings, but as production sends
(a real broker, the HTTP SMS adapter, SMTP), each pointed by the environment at what the test started."""

from config.django.test import *  # noqa: F403
from config.env import env, env_int

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
SMS_BACKEND = "http"
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_USE_TLS = False
