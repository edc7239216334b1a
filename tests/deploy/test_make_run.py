"""`make run` on a fresh clone: gunicorn with DEBUG off serves every public page and the hashed CSS (WhiteNoise),
the periodic jobs run in the scheduler beside it, and stopping gunicorn stops the scheduler."""

import os
import re
import signal
import subprocess

import pytest
import requests

from tests.deploy.conftest import ROOT, clean_env, free_port, make_args, wait_for

# Builds and installs on a shared machine; engine-independent, so it runs in the SQLite pass only.
pytestmark = [pytest.mark.timeout(1200), pytest.mark.sqlite]
PAGES = ["/", "/help/", "/terms/", "/benefits/", "/accounts/login/", "/accounts/signup/", "/dev/outbox/"]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:") and "Z" in line.split()[1] for line in status)
    except FileNotFoundError:
        return False


def test_make_run_serves_pages_through_gunicorn_with_debug_off_and_runs_the_periodic_jobs(repo_clone, processes):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The payment re-query every second, so that the test sees the scheduler run it.
    env = clean_env(FPX_REQUERY_EVERY_SECONDS="1")
    processes.start("make-run", make_args("run", f"PORT={port}"), env=env, cwd=repo_clone)

    def served():
        return f"MATRIX is running on {base}/" in processes.log("make-run") and requests.get(base, timeout=5).ok

    wait_for(served, timeout=900, interval=1, what="make run to serve",
             alive=lambda: processes.check_running("make-run"))
    log = processes.log("make-run")
    for progress in ["==> Building the CSS", "==> Compiling the translations", "==> Migrating the database",
                     "==> Collecting the static files"]:
        assert progress in log, progress

    for path in PAGES:
        response = requests.get(base + path, timeout=15)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])

    malay = requests.get(base + "/", headers={"Accept-Language": "ms"}, timeout=15)
    assert malay.status_code == 200 and 'lang="ms"' in malay.text

    # DEBUG is off: an unknown URL gets the portal's 404, not Django's technical page.
    missing = requests.get(base + "/no-such-page/", timeout=15)
    assert missing.status_code == 404 and "URLconf" not in missing.text

    # The stylesheet is the hashed copy collected into STATIC_ROOT, served by WhiteNoise with a long cache life.
    css_url = re.search(r'href="(/static/css/matrix\.[0-9a-f]{12}\.css)"', requests.get(base, timeout=15).text).group(1)
    css = requests.get(base + css_url, timeout=15)
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css") and len(css.content) > 1000
    assert "max-age=315360000" in css.headers.get("Cache-Control", "")

    # The demo login printed by make run works, and the signed-in pages answer with DEBUG off too.
    demo = re.search(r"Demo login: IC (\d{12}), password '([^']+)'", log)
    session = requests.Session()
    session.get(base + "/accounts/login/", timeout=15)
    token = session.cookies["csrftoken"]
    session.post(base + "/accounts/login/", data={"id_number": demo.group(1), "csrfmiddlewaretoken": token},
                 timeout=15)
    signed_in = session.post(base + "/accounts/login/password/",
                             data={"password": demo.group(2), "csrfmiddlewaretoken": token}, timeout=30)
    assert signed_in.url.endswith("/accounts/mode/") and signed_in.status_code == 200
    for path in ["/self-employed/", "/self-employed/contributions/", "/accounts/management/"]:
        response = session.get(base + path, timeout=15)
        assert response.status_code == 200 and response.url == base + path, (path, response.status_code)

    # The scheduler beside gunicorn runs the periodic jobs on their schedule.
    wait_for(lambda: "scheduler: job payments-requery-pending done" in processes.log("make-run"), timeout=120,
             what="the scheduler to run the payment re-query")
    log = processes.log("make-run")
    master = int(re.search(r"Listening at: http://127\.0\.0\.1:\d+ \((\d+)\)", log).group(1))
    scheduler = int(re.search(r"Started the scheduler \(pid (\d+)\)", log).group(1))
    assert log.count("Started the scheduler") == 1  # one scheduler whatever the number of workers

    # Stopping gunicorn stops the scheduler with it.
    os.kill(master, signal.SIGTERM)
    wait_for(lambda: not _alive(scheduler) and not _alive(master), timeout=60,
             what="gunicorn and the scheduler to stop")
    assert "scheduler: stopped" in processes.log("make-run")


def test_debug_run_is_the_auto_reloading_development_server():
    result = subprocess.run(["make", "-n", "-B", "run", "DEBUG=1", "PORT=8123"], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, env=clean_env())
    assert result.returncode == 0, result.stderr
    assert "manage.py runserver 127.0.0.1:8123" in result.stdout and "--noreload" not in result.stdout
    assert "gunicorn" not in result.stdout and "manage.py scheduler" in result.stdout

    default = subprocess.run(["make", "-n", "-B", "run", "PORT=8123"], capture_output=True, text=True, cwd=ROOT,
                             timeout=60, env=clean_env())
    assert "gunicorn -c config/gunicorn.py config.wsgi" in default.stdout and "MATRIX_SCHEDULER=1" in default.stdout
    assert "collectstatic" in default.stdout
