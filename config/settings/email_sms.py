"""Where SMS and email go. Embedded default: both to the local outbox (listed at /dev/outbox/).

Production: EMAIL_BACKEND=smtp with the EMAIL_* variables, SMS_BACKEND=http with the SMS_GATEWAY_* variables.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env, env_bool, env_int, env_list

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

# Delivery receipts: the gateway POSTs {"id", "status"} to /notifications/sms/receipt/ with this shared secret in
# the X-Receipt-Secret header. Empty: the receipt endpoint answers 404.
SMS_GATEWAY_RECEIPT_SECRET = env("SMS_GATEWAY_RECEIPT_SECRET")

# Durable messages (matrix.notifications): every SMS and email is a Message row, sent by a Celery task.
# Seconds to wait after each failed attempt; after the last one the message is FAILED (1 + len attempts in all).
MESSAGES_RETRY_SCHEDULE = env_list("MESSAGES_RETRY_SCHEDULE", ["60", "300", "1800", "7200", "21600"])
if not all(value.isdigit() for value in MESSAGES_RETRY_SCHEDULE):
    raise ImproperlyConfigured(f"MESSAGES_RETRY_SCHEDULE must be seconds, comma-separated: {MESSAGES_RETRY_SCHEDULE}")
MESSAGES_RETRY_SCHEDULE = [int(value) for value in MESSAGES_RETRY_SCHEDULE]
# A worker holds a message in SENDING this long; the sweep re-queues it afterwards (a worker killed mid-send).
MESSAGES_LEASE_SECONDS = env_int("MESSAGES_LEASE_SECONDS", 300)
# A queued message still unclaimed this long after it was published is published again by the sweep (its task
# was lost, e.g. a broker restarted without persistence). A message whose publishing failed is due at once.
MESSAGES_SWEEP_GRACE_SECONDS = env_int("MESSAGES_SWEEP_GRACE_SECONDS", 300)
MESSAGES_SWEEP_BATCH = env_int("MESSAGES_SWEEP_BATCH", 500)
MESSAGES_SWEEP_EVERY_SECONDS = env_int("MESSAGES_SWEEP_EVERY_SECONDS", 60)
# Fernet key(s) for message bodies at rest (comma-separated: the first encrypts, all decrypt, for a rotation).
# Empty: a key derived from SECRET_KEY.
MESSAGES_ENCRYPTION_KEY = env("MESSAGES_ENCRYPTION_KEY")
# The Celery queue of the message tasks (empty: Celery's default queue).
MESSAGES_QUEUE = env("MESSAGES_QUEUE")
