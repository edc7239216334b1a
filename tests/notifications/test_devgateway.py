"""The local SMS gateway as a developer runs it: `manage.py sms_devgateway`."""

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.notifications.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def test_the_command_serves_the_gateway_protocol(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.django.test", "SMS_GATEWAY_TOKEN": ""}
    log = (tmp_path / "gateway.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sms_devgateway", "--port", str(port), "--token", "dev-token"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "gateway.log").read_text()
            try:
                requests.get(url, timeout=5)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        message = {"to": "60108877665", "from": "PERKESO", "text": "Hello", "reference": "ref-1"}
        assert requests.post(url, json=message, timeout=5).status_code == 401
        answer = requests.post(url, json=message, headers={"Authorization": "Bearer dev-token"}, timeout=5)
        repeat = requests.post(url, json=message, headers={"Authorization": "Bearer dev-token"}, timeout=5)
        assert answer.status_code == 200 and answer.json()["id"] == repeat.json()["id"] and repeat.json()["repeat"]
        auth = {"Authorization": "Bearer dev-token"}
        assert requests.post(url, data="nope", headers=auth, timeout=5).status_code == 400
        [taken] = requests.get(url, timeout=5).json()
        assert (taken["to"], taken["text"], taken["id"]) == ("60108877665", "Hello", answer.json()["id"])
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert process.poll() is not None
