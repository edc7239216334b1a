"""Logging: plain lines in development, one JSON object a line in production (LOG_FORMAT=json|plain).

Every line carries the request id (also inside Celery tasks) and is redacted of IC numbers, one-time codes,
passwords and tokens (matrix/core/logging.py).
"""

from config.env import env

LOG_LEVEL = env("LOG_LEVEL", "INFO")


def logging_config(*, json: bool, level: str = LOG_LEVEL) -> dict:
    formatter = (
        {"()": "matrix.core.logging.JsonFormatter",
         "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
         "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}}
        if json else
        {"()": "matrix.core.logging.PlainFormatter",
         "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "matrix.core.logging.RequestIdFilter"}},
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default", "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
    }
