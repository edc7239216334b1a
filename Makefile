# MATRIX portal. `make run` serves the portal on the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.django.local

.PHONY: run test lint bench setup install install-test css messages keys migrate demo browser captcha-audio clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

frontend/node_modules/.installed: frontend/package.json
	cd frontend && npm install --no-audit --no-fund --loglevel=error
	@touch $@

static/css/matrix.css: frontend/node_modules/.installed frontend/tailwind.config.js frontend/src/matrix.css $(shell find templates matrix -name '*.html' 2>/dev/null)
	cd frontend && npx tailwindcss -c tailwind.config.js -i src/matrix.css -o ../static/css/matrix.css --minify

css: static/css/matrix.css

messages: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=frontend -v 0

keys: install
	$(PY) manage.py fpx_keys

migrate: install
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo

setup: install css messages keys migrate demo captcha-audio

run: setup
	@echo ""
	@echo "  MATRIX is running on http://127.0.0.1:$(PORT)/"
	@echo "  Demo login: IC 900101145678, password 'matrix-demo-2026'  (outbox: http://127.0.0.1:$(PORT)/dev/outbox/)"
	@echo ""
	PORTAL_BASE_URL=http://127.0.0.1:$(PORT) $(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

# Debian packages the tests use: Chromium for the browser tests, flite for the CAPTCHA's audio alternative.
browser:
	@command -v chromium >/dev/null && command -v flite >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium flite >/dev/null)

# The CAPTCHA's spoken alternative; optional for `make run` (needs root and apt-get; skipped otherwise).
captcha-audio:
	-@command -v flite >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq flite >/dev/null 2>&1; } || true

# The whole suite: unit, integration (PostgreSQL when DATABASE_URL points at it) and browser tests.
test: install-test css messages browser
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test css messages
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) -m pytest benchmarks -p no:randomly -q -s

clean:
	rm -rf $(VENV) var static/css/matrix.css frontend/node_modules
