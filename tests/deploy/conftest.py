"""Deployment tests: they run the Makefile's targets and the real processes (gunicorn, the scheduler, Celery,
moto's S3 server) the way an operator would. Each process runs in a process group of its own and is stopped at
the end of its test (SIGTERM, then SIGKILL); waits poll a condition until a deadline."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Redis databases of the deployment tests (flushed by the stack test): never those of other tests.
REDIS_URL = os.environ.get("STACK_REDIS_URL", "redis://127.0.0.1:6379/9")
BROKER_URL = os.environ.get("STACK_BROKER_URL", "redis://127.0.0.1:6379/10")
# The virtualenv running these tests: `make ... VENV=$VENV INSTALL=0` reuses it instead of installing one.
VENV = Path(sys.prefix)
# Environment variables of the test run that must not leak into the processes under test.
SCRUBBED = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "CAPTCHA_TEST_MODE", "DEBUG", "DATABASE_URL",
            "REDIS_URL", "CELERY_BROKER_URL", "EMAIL_BACKEND", "SMS_BACKEND", "FPX_SIMULATOR_ENABLED",
            "STORAGE_BACKEND", "PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}


def clean_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2,
              alive: Callable[[], None] | None = None):
    """Poll `condition` until it returns something truthy (returned) or the deadline passes (test fails).
    `alive`, when given, is called between polls and fails early (e.g. a process that already exited)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except Exception as exc:  # noqa: BLE001 - not there yet
            result, last_error = None, exc
        if result:
            return result
        if alive is not None:
            alive()
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what} (last error: {last_error!r})")


class Processes:
    """Processes a test starts: each in its own session (process group), output to a log file, stopped at the
    end of the test whatever happens."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.started: list[tuple[str, subprocess.Popen, Path]] = []

    def start(self, name: str, args: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> subprocess.Popen:
        log = self.log_dir / f"{name}.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,  # noqa: S603
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        self.started.append((name, process, log))
        return process

    def log(self, name: str) -> str:
        for started_name, _, log in self.started:
            if started_name == name:
                return log.read_text(errors="replace")
        raise KeyError(name)

    def check_running(self, name: str) -> None:
        for started_name, process, log in self.started:
            if started_name == name and process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')[-4000:]}")

    def stop(self, name: str, *, timeout: float = 30) -> int:
        for started_name, process, _ in self.started:
            if started_name == name:
                return _stop(process, timeout=timeout)
        raise KeyError(name)

    def stop_all(self) -> None:
        for _, process, _ in reversed(self.started):
            _stop(process, timeout=20)

    def tails(self) -> str:
        return "\n".join(f"--- {name} ---\n{log.read_text(errors='replace')[-3000:]}" for name, _, log in self.started)


def _stop(process: subprocess.Popen, *, timeout: float) -> int:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    # Whatever is left of the group (children that outlived their parent) goes too.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return process.wait()


@pytest.fixture
def processes(tmp_path, request):
    procs = Processes(tmp_path)
    yield procs
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    procs.stop_all()
    if failed:
        print(procs.tails())  # shown by pytest with the failure


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def repo_clone(tmp_path_factory) -> Path:
    """A fresh `git clone` of this repository's HEAD (committed work only), as an operator would check it out.
    The npm cache of this machine makes its CSS build quick; the Python environment is this run's (INSTALL=0)."""
    target = tmp_path_factory.mktemp("clone") / "matrix"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True, timeout=120)
    return target


def make(target: str, *args: str, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a make target in `cwd` with this test run's Python environment (nothing installed into it)."""
    return subprocess.run(make_args(target, *args), cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


def make_args(target: str, *args: str) -> list[str]:
    return ["make", target, f"VENV={VENV}", "INSTALL=0", *args]
