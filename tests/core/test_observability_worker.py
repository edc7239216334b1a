"""Issue 9 item 6, with a real Celery worker: a task queued under a request id logs, in the worker, JSON lines
that carry that id (the id travels in the message headers; the worker logs through Django's LOGGING)."""

import json
import os
import queue
import subprocess
import threading
import time
import uuid

import pytest

from config.celery import app as celery_app
from matrix.core import logging as core_logging
from tests.core.production_env import ROOT, clean_env

BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/12")


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task always publishes
def test_a_task_logs_the_request_id_it_was_queued_under(tmp_path):
    queue_name = f"matrix-test-{uuid.uuid4().hex[:8]}"
    env = clean_env(DJANGO_SETTINGS_MODULE="config.django.base", CELERY_BROKER_URL=BROKER_URL, LOG_FORMAT="json",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "-P", "solo", "-c", "1", "-Q", queue_name,
         "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in worker.stdout], daemon=True).start()
    try:
        token = core_logging.request_id.set("req-worker-test-1")
        try:
            with celery_app.connection_for_write(BROKER_URL) as connection:
                celery_app.send_task("matrix.core.tasks.housekeeping", queue=queue_name, connection=connection)
        finally:
            core_logging.request_id.reset(token)

        seen, found = [], None
        deadline = time.monotonic() + 120
        while found is None and time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                assert worker.poll() is None, "".join(seen)
                continue
            seen.append(line)
            if line.startswith("{") and '"housekeeping: ' in line:
                found = json.loads(line)
        assert found is not None, "".join(seen)
        assert found["request_id"] == "req-worker-test-1" and found["logger"] == "matrix.core.tasks"
    finally:
        worker.terminate()
        worker.wait(timeout=30)
