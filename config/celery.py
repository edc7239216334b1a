"""The Celery application. With no broker configured, tasks run in-process (see config/settings/celery.py)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")

app = Celery("matrix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
