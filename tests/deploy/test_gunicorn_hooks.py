"""config/gunicorn.py's worker hooks: the objects of a loaded worker are frozen out of the garbage collector's
sight, and GUNICORN_SWITCH_INTERVAL_MS sets how soon a thread hands the GIL back (README "Benchmarks")."""

import gc
import importlib.util
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


@pytest.fixture
def config():
    spec = importlib.util.spec_from_file_location("matrix_gunicorn_config", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_loaded_worker_freezes_what_it_made(config):
    gc.unfreeze()
    try:
        config.post_worker_init(worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()


def test_the_switch_interval_comes_from_the_environment(config, monkeypatch):
    before = sys.getswitchinterval()
    try:
        monkeypatch.setenv("GUNICORN_SWITCH_INTERVAL_MS", "0.5")
        config.post_fork(server=None, worker=None)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
        monkeypatch.delenv("GUNICORN_SWITCH_INTERVAL_MS")
        sys.setswitchinterval(before)
        config.post_fork(server=None, worker=None)
        assert sys.getswitchinterval() == pytest.approx(before)  # unset: Python's own
    finally:
        sys.setswitchinterval(before)
