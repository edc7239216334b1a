"""The embedded default with DEBUG off (what `make run` serves): no https redirect, and WhiteNoise serves the
static files (from the source folders in the base settings; config.django.local collects hashed ones)."""

from tests.core.production_env import python


def test_debug_off_embedded_default_serves_static_files_over_http_without_redirects(tmp_path):
    code = ("from django.test import Client; c = Client(); r = c.get('/static/css/matrix.css'); "
            "print(r.status_code, r.get('Content-Type')); print(c.get('/accounts/login/').status_code)")
    result = python(code, settings_module="config.django.base", DEBUG="0",
                    DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    lines = result.stdout.strip().splitlines()
    assert lines[-2].split()[0] == "200" and "text/css" in lines[-2], result.stderr
    assert lines[-1] == "200", result.stderr
