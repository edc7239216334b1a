"""Audit of issue 2 (foundation): behaviours the issue names that no other test pinned down."""

import html
import logging
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from matrix.notifications.models import OutboxMessage
from matrix.notifications.services import email_send, sms_send
from matrix.reference.models import Bank, City, Nationality, Race, Sector, SelfEmployedStatus, State

ROOT = Path(django_settings.BASE_DIR)
SCRUBBED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "CAPTCHA_TEST_MODE", "DEBUG", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND",
            "SMS_BACKEND", "FPX_SIMULATOR_ENABLED", "DJANGO_SETTINGS_MODULE"}


def _python(settings_module: str, code: str, **extra_env) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(DJANGO_SETTINGS_MODULE=settings_module, **extra_env)
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code],
                          capture_output=True, text=True, env=env, timeout=120, cwd=ROOT)


# --- make run / make test / dependencies / README ------------------------------------------------------------------


@pytest.mark.django_db
def test_make_run_prints_the_url_and_a_demo_login_that_works(client: Client):
    # -B: list every step, as on a clean clone, whatever this checkout has already built.
    result = subprocess.run(["make", "-n", "-B", "run", "PORT=8123"], capture_output=True, text=True, cwd=ROOT,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "http://127.0.0.1:8123/" in out and ("runserver 127.0.0.1:8123" in out or "gunicorn" in out)
    for step in ["pip install", "tailwindcss", "migrate", "load_demo", "compilemessages"]:
        assert step in out, step
    ic, password = re.search(r"Demo login: IC (\d{12}), password '([^']+)'", out).groups()

    # The printed login is the demo account that `make run` loads, and it logs in through the two steps.
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))
    client.post(reverse("accounts:login"), {"id_number": ic})
    response = client.post(reverse("accounts:login_password"), {"password": password})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:mode")


def test_make_test_installs_chromium_and_playwright_and_runs_pytest():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"apt-get install .*chromium", makefile)
    result = subprocess.run(["make", "-n", "-B", "test"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "-m pytest" in result.stdout
    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    assert any(dep.startswith("playwright==") for dep in test_extra)
    assert "make lint" in (ROOT / ".ci" / "run").read_text() and "ruff check" in makefile


def test_dependencies_are_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    unpinned = [dep for dep in deps if not re.fullmatch(r"[A-Za-z0-9_.\-]+(\[[\w,]+\])?==[\w.]+", dep)]
    assert not unpinned, unpinned
    assert any(dep.startswith("Django==5.2.") for dep in project["dependencies"])
    assert project["requires-python"].startswith(">=3.11")


def test_readme_starts_with_the_portal_and_the_two_commands_then_production():
    text = (ROOT / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert headings[0] == "Two commands"
    assert "PERKESO" in text[: text.index("## Two commands")]
    commands = text[text.index("## Two commands"):]
    assert commands.index("make run") < commands.index("make test")
    assert any("production" in heading.lower() for heading in headings)


# --- settings: the embedded default, the production switches ---------------------------------------------------------


def test_base_settings_alone_boot_on_the_embedded_default():
    code = ("from django.conf import settings as s; from django.core.management import call_command; "
            "call_command('check'); "
            "print(s.DATABASES['default']['ENGINE'], s.OUTBOX_ENABLED, s.FPX_SIMULATOR_ENABLED, s.SMS_BACKEND, "
            "s.EMAIL_BACKEND, s.CELERY_TASK_ALWAYS_EAGER, bool(s.REDIS_URL))")
    result = _python("config.django.base", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-7:] == [
        "django.db.backends.sqlite3", "True", "True", "outbox", "matrix.notifications.backends.OutboxEmailBackend",
        "True", "False",
    ]


def test_production_backends_are_chosen_by_the_environment_and_switch_the_outbox_off():
    code = ("from django.conf import settings as s; from django.test import Client; "
            "print(s.EMAIL_BACKEND, s.SMS_BACKEND, s.OUTBOX_ENABLED, Client().get('/dev/outbox/').status_code)")
    result = _python("config.django.base", code, EMAIL_BACKEND="smtp", SMS_BACKEND="http")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["django.core.mail.backends.smtp.EmailBackend", "http", "False", "404"]


def test_production_settings_hash_static_files_and_secure_cookies(tmp_path):
    from tests.core.production_env import production_env, python

    code = ("from django.conf import settings as s; "
            "print(s.DEBUG, s.STORAGES['staticfiles']['BACKEND'], s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_HSTS_SECONDS > 0, s.OUTBOX_ENABLED)")
    result = python(code, **production_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-6:] == [
        "False", "whitenoise.storage.CompressedManifestStaticFilesStorage", "True", "True", "True", "False",
    ]


@pytest.mark.parametrize(("module", "debug", "refused"), [
    ("config.django.base", "0", True),
    ("config.django.local", "0", True),
    ("config.django.local", "1", False),
])
def test_captcha_test_mode_only_starts_with_debug_on(module, debug, refused):
    result = _python(module, "print('booted')", CAPTCHA_TEST_MODE="1", DEBUG=debug)
    if refused:
        assert result.returncode != 0 and "CAPTCHA_TEST_MODE" in result.stderr
    else:
        assert result.returncode == 0 and "booted" in result.stdout, result.stderr


@pytest.mark.django_db
def test_captcha_test_mode_accepts_passed_and_nothing_else(client: Client, settings):
    settings.CAPTCHA_TEST_MODE = True
    data = {"id_type": "MYKAD", "id_number": "790811087654", "full_name": "AHMAD BIN ALI", "email": "a@example.com",
            "mobile": "0108877665", "terms": "on", "captcha_0": "x"}
    assert client.post(reverse("accounts:signup"), {**data, "captcha_1": "nope"}).status_code == 200
    assert client.post(reverse("accounts:signup"), {**data, "captcha_1": "PASSED"}).status_code == 302


# --- outbox ---------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_outbox_lists_each_channel_with_its_full_text(client: Client):
    long_text = "Dear AHMAD,\n" + " ".join(f"word{n}" for n in range(800)) + "\nEND-OF-EMAIL"
    email_send(to="ahmad@example.com", subject="Pengaktifan / Activation", text=long_text)
    sms_send(to="60108877665", text="MATRIX: your code is 654321. It expires in 10 minutes.")
    body = client.get("/dev/outbox/").content.decode()
    items = re.findall(r'<li [^>]*data-channel="(\w+)" data-to="([^"]+)">(.*?)</li>', body, flags=re.DOTALL)
    assert [(channel, to) for channel, to, _ in items] == [("SMS", "60108877665"), ("EMAIL", "ahmad@example.com")]
    assert "MATRIX: your code is 654321. It expires in 10 minutes." in html.unescape(items[0][2])
    email_item = html.unescape(items[1][2])
    assert "Pengaktifan / Activation" in email_item and long_text in email_item


@pytest.mark.django_db
def test_outbox_page_is_refused_when_the_outbox_backend_is_off(client: Client, settings):
    OutboxMessage.objects.create(channel="SMS", to="60108877665", body="secret 123456")
    settings.OUTBOX_ENABLED = False
    response = client.get("/dev/outbox/")
    assert response.status_code == 404 and b"123456" not in response.content


def test_sms_http_gateway_posts_json_and_never_logs_the_text(monkeypatch, settings, caplog):
    from matrix.notifications import backends

    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = "https://sms.example.gov.my/send"
    settings.SMS_GATEWAY_TOKEN = "tok"
    calls = []

    class Answer:
        def __init__(self, status_code):
            self.status_code = status_code

        def json(self):
            return {"id": "gw-1"}

    monkeypatch.setattr(backends.requests, "post", lambda url, **kw: calls.append((url, kw)) or Answer(status))
    status = 200
    outgoing = backends.Outgoing(reference="m-1", to="60108877665", text="MATRIX code 112233")
    assert backends.sms_deliver(outgoing) == "gw-1"
    url, kwargs = calls[0]
    assert url == "https://sms.example.gov.my/send"
    assert kwargs["json"] == {"to": "60108877665", "from": settings.SMS_GATEWAY_SENDER, "text": "MATRIX code 112233",
                              "reference": "m-1"}
    assert kwargs["headers"]["Authorization"] == "Bearer tok" and kwargs["timeout"]

    caplog.set_level(logging.DEBUG)
    status = 502
    with pytest.raises(backends.SmsError):
        backends.sms_deliver(backends.Outgoing(reference="m-2", to="60108877665", text="MATRIX code 445566"))
    assert "445566" not in caplog.text and "60108877665" not in caplog.text


# --- reference data ---------------------------------------------------------------------------------------------------

MALAY_SECTORS = {
    "ACCOMMODATION": "Premis Penginapan", "AGENT": "Ejen", "AGRICULTURE": "Pertanian", "ART": "Kesenian",
    "BEAUTY AND HEALTHCARE": "Penjagaan Perawatan dan Pemulihan Kesihatan", "CONSTRUCTION": "Pembinaan",
    "DATA PROCESSING": "Pemprosesan Data", "FISHERY": "Perikanan", "FOOD": "Makanan", "FORESTRY": "Perhutanan",
    "GOODS AND FOODS TRANSPORT": "Pengangkutan Barangan atau Makanan", "HAWKER": "Penjaja",
    "HOUSEHOLD SERVICES": "Perkhidmatan Isi Rumah", "INFORMATION TECHNOLOGY": "Teknologi Maklumat",
    "LIVESTOCK": "Penternakan", "MANUFACTURING": "Pembuatan", "ONLINE BUSINESS": "Perniagaan Online",
    "PASSENGER TRANSPORTATION": "Pengangkutan Penumpang", "PROFESSIONAL SERVICES": "Perkhidmatan Profesional",
    "SUPPORT SERVICES": "Perkhidmatan Sokongan",
}
FPX_BANKS = {
    "ABB0233": "Affin", "MBB0228": "Maybank2E", "MB2U0227": "Maybank2U", "BCBB0235": "CIMB", "PBB0233": "Public",
    "RHB0218": "RHB", "HLB0224": "Hong Leong", "BIMB0340": "Bank Islam", "BKRM0602": "Rakyat", "BSN0601": "BSN",
    "AMBB0209": "AmBank", "ABMB0212": "Alliance", "UOB0226": "UOB",
}


@pytest.mark.django_db
def test_reference_data_holds_every_list_the_issue_names():
    from datetime import date

    assert dict(Sector.objects.values_list("name_en", "name_ms")) == MALAY_SECTORS
    for sector in Sector.objects.exclude(name_en="PASSENGER TRANSPORTATION"):
        assert sector.effective_from == date(2020, 1, 1), sector.name_en
    banks = dict(Bank.objects.values_list("code", "name"))
    for code, name in FPX_BANKS.items():
        assert name.lower() in banks[code].lower(), code
    assert all(re.fullmatch(r"\d{5}", postcode) for postcode in City.objects.values_list("postcode", flat=True))
    assert City.objects.filter(state__in=State.objects.all()).values("state").distinct().count() == 16
    for model in (Race, Nationality, SelfEmployedStatus):
        assert model.objects.count() >= 2, model.__name__
        assert not model.objects.filter(name_ms="").exists(), model.__name__


# --- the base layout ----------------------------------------------------------------------------------------------


def _links(fragment: str) -> set[tuple[str, str]]:
    return {(href, re.sub(r"\s+", " ", html.unescape(text)).strip())
            for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', fragment, flags=re.DOTALL)}


@pytest.mark.django_db
def test_public_header_and_footer_carry_the_seed_items(client: Client):
    page = client.get("/").content.decode()
    header = page[page.index("<header"):page.index("</header>")]
    links = _links(header)
    assert ("tel:1300228000", "1-300-22-8000") in links
    assert ("mailto:perkeso@perkeso.gov.my", "perkeso@perkeso.gov.my") in links
    assert (reverse("pages:help"), "Help") in links
    assert (reverse("accounts:login"), "Login") in links
    assert "Languages" in header and reverse("set_language") in header
    footer = page[page.index("<footer"):page.index("</footer>")]
    assert (reverse("pages:terms"), "Terms & Conditions") in _links(footer)
    assert client.get(reverse("pages:terms")).status_code == 200
    assert client.get(reverse("pages:help")).status_code == 200


@pytest.mark.django_db
def test_signed_in_sidebar_has_the_seed_entries_in_order(user_client: Client):
    page = user_client.get(reverse("registrations:home")).content.decode()
    start = page.index('<nav aria-label="Self-employed menu"')
    sidebar = page[start:page.index("</nav>", start)]
    links = _links(sidebar)
    for name, word in [("registrations:home", "Home"), ("registrations:dashboard", "Dashboard"),
                       ("contributions:history", "History"), ("registrations:register", "Register New"),
                       ("contributions:renew", "Renew"), ("accounts:management", "Management")]:
        assert (reverse(name), word) in links, word
    words = ["I'M SELF-EMPLOYED", "Home", "Dashboard", "Contribution", "History", "Register New", "Renew",
             "SETTINGS", "Management", "Languages", "CONTACT", "1-300-22-8000", "perkeso@perkeso.gov.my", "Logout"]
    text = html.unescape(sidebar)
    positions = [text.index(word) for word in words]
    assert positions == sorted(positions), words
    assert f'action="{reverse("accounts:logout")}"' in sidebar and 'method="post"' in sidebar
    # Every entry opens a page (renew may redirect when nothing is due; nothing answers an error).
    for name in ["registrations:home", "registrations:dashboard", "contributions:history",
                 "registrations:register", "contributions:renew", "accounts:management"]:
        assert user_client.get(reverse(name)).status_code in (200, 302), name


@pytest.mark.django_db
def test_sidebar_and_header_switch_to_malay(user_client: Client):
    user_client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ms"
    page = html.unescape(user_client.get(reverse("registrations:home")).content.decode())
    assert '<html lang="ms">' in page
    with translation.override("ms"):
        words = [translation.gettext(w) for w in ["I'M SELF-EMPLOYED", "Dashboard", "Register New", "Renew",
                                                   "SETTINGS", "Management", "Languages", "Logout", "Help",
                                                   "Terms & Conditions"]]
    assert words[0] != "I'M SELF-EMPLOYED" and words[-1] != "Terms & Conditions"
    for word in words:
        assert word in page, word


def test_passwords_are_hashed_with_argon2id_outside_the_tests():
    from django.contrib.auth.hashers import make_password

    from config.django import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "PASSWORD_HASHERS" not in (ROOT / "config" / "django" / "production.py").read_text()
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        assert make_password("a long passphrase").startswith("argon2$argon2id$")
