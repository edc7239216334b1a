"""Where SMS and email go. Embedded default: both to the local outbox (listed at /dev/outbox/).

Production: EMAIL_BACKEND=smtp with the EMAIL_* variables, SMS_BACKEND=http with the SMS_GATEWAY_* variables.
"""

from config.env import env, env_bool, env_int

_EMAIL_BACKENDS = {
    "outbox": "matrix.notifications.backends.OutboxEmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_BACKEND = _EMAIL_BACKENDS[env("EMAIL_BACKEND", "outbox")]
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "PERKESO Online System Administrator <noreply@matrix.local>")

# "outbox" stores each SMS in the outbox; "http" posts it to an SMS gateway.
SMS_BACKEND = env("SMS_BACKEND", "outbox")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN")
SMS_GATEWAY_SENDER = env("SMS_GATEWAY_SENDER", "PERKESO")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)

# The outbox page /dev/outbox/ is served only while the outbox carries the messages.
OUTBOX_ENABLED = EMAIL_BACKEND == _EMAIL_BACKENDS["outbox"] or SMS_BACKEND == "outbox"
