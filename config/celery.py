"""The Celery application. With no broker configured, tasks run in-process (see config/settings/celery.py).

The request id of the web request that queued a task travels in the message headers and is current while the
task runs (matrix/core/logging.py), so a task's log lines carry the id of the request that caused them.
"""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.django.local")

app = Celery("matrix")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.before_task_publish.connect(weak=False)
def _request_id_publish(headers=None, **kwargs):
    from matrix.core.logging import celery_headers_add

    celery_headers_add(headers=headers, **kwargs)


@signals.task_prerun.connect(weak=False)
def _request_id_start(task_id=None, task=None, **kwargs):
    from matrix.core.logging import celery_task_started

    celery_task_started(task_id=task_id, task=task, **kwargs)


@signals.task_postrun.connect(weak=False)
def _request_id_end(task_id=None, **kwargs):
    from matrix.core.logging import celery_task_finished

    celery_task_finished(task_id=task_id, **kwargs)
