# MATRIX portal. `make run` serves the portal on the embedded default; `make test` runs the whole suite.
# `make release` is the build-and-migrate step of a deployment; `make serve` the production-like profile on this
# machine (README "Deploying").
SHELL := /bin/bash
PYTHON ?= python3.11
# VENV=/path/to/venv INSTALL=0 reuses an existing environment as it is (nothing is installed into it).
VENV ?= .venv
INSTALL ?= 1
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.django.local

# Progress lines, so a first `make run` (a few minutes) shows where it is.
say = @printf '\033[1m==> %s\033[0m\n' "$(1)"

.PHONY: run serve release test lint bench bench-journey bench-micro setup install install-test css messages keys migrate demo static \
	browser captcha-audio backup restore stress clean screenshots

$(VENV)/.installed: pyproject.toml
	$(call say,Python environment in $(VENV): installing the portal's packages (first time: a few minutes))
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(call say,Installing the test tools)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

ifeq ($(INSTALL),0)
install:
	@test -x $(PY) || { echo "INSTALL=0 but $(PY) does not exist"; exit 1; }
install-test: install
else
install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
endif

frontend/node_modules/.installed: frontend/package.json
	$(call say,Installing the CSS build tools (npm))
	cd frontend && npm install --no-audit --no-fund --loglevel=error --prefer-offline
	@touch $@

static/css/matrix.css: frontend/node_modules/.installed frontend/tailwind.config.js frontend/src/matrix.css $(shell find templates matrix -name '*.html' 2>/dev/null)
	$(call say,Building the CSS (Tailwind))
	cd frontend && npx tailwindcss -c tailwind.config.js -i src/matrix.css -o ../static/css/matrix.css --minify

css: static/css/matrix.css

messages: install
	$(call say,Compiling the translations)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=frontend -v 0

keys: install
	$(PY) manage.py fpx_keys

migrate: install
	$(call say,Migrating the database)
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(call say,Loading the demo account)
	$(PY) manage.py load_demo

# Hashed, compressed copies of the static files in STATIC_ROOT (var/staticfiles), served by WhiteNoise; collected
# again only when a static file changed (the tests of the production settings render pages from its manifest).
STATIC_MANIFEST := var/staticfiles/staticfiles.json
static: $(STATIC_MANIFEST)
$(STATIC_MANIFEST): $(VENV)/.installed static/css/matrix.css $(shell find static matrix -path '*/static/*' -type f 2>/dev/null)
	$(call say,Collecting the static files)
	$(PY) manage.py collectstatic --noinput -v 0
	@touch $@

setup: install css messages keys migrate demo captcha-audio

# The embedded default: gunicorn with DEBUG off, the periodic jobs in a scheduler process beside it (stopped with
# it). DEBUG=1 make run: Django's auto-reloading development server (and the scheduler in the background).
RUN_ENV := PORTAL_BASE_URL=http://127.0.0.1:$(PORT)
ifneq ($(filter 1 true yes on,$(DEBUG)),)
run: setup
	@echo ""
	@echo "  MATRIX (DEBUG, auto-reloading) on http://127.0.0.1:$(PORT)/"
	@echo "  Demo login: IC 900101145678, password 'matrix-demo-2026'  (outbox: http://127.0.0.1:$(PORT)/dev/outbox/)"
	@echo ""
	@$(RUN_ENV) $(PY) manage.py scheduler & scheduler=$$!; trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT; \
	  $(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)
else
run: setup static
	@echo ""
	@echo "  MATRIX is running on http://127.0.0.1:$(PORT)/"
	@echo "  Demo login: IC 900101145678, password 'matrix-demo-2026'  (outbox: http://127.0.0.1:$(PORT)/dev/outbox/)"
	@echo "  Stop with Ctrl-C. Auto-reloading development server instead: DEBUG=1 make run (runserver 127.0.0.1:$(PORT))"
	@echo ""
	@$(RUN_ENV) MATRIX_SCHEDULER=1 GUNICORN_BIND=127.0.0.1:$(PORT) WEB_CONCURRENCY=$${WEB_CONCURRENCY:-2} \
	  GUNICORN_ACCESS_LOG=$${GUNICORN_ACCESS_LOG-} exec $(VENV)/bin/gunicorn -c config/gunicorn.py config.wsgi
endif

# The release step of a deployment, run with the production environment: build the CSS and the translations,
# collect the static files, migrate. Then start (or reload) gunicorn, the Celery workers and the one beat.
release: install css messages
	$(call say,Collecting the static files)
	$(PY) manage.py collectstatic --noinput -v 0
	$(call say,Migrating the database)
	$(PY) manage.py migrate --noinput -v 0
	$(call say,Release ready)

# The production-like profile on this machine: PostgreSQL, Redis, a local S3 server (moto), a Celery worker and
# beat, gunicorn with workers from the core count, under config.django.production. deploy/serve.py starts and
# stops every piece; deploy/local.env holds the local values (override any of them in the environment).
SERVE_PORT ?= 8443
serve: install-test css messages keys
	@set -a; SERVE_PORT=$(SERVE_PORT); source deploy/local.env; set +a; PORT=$(SERVE_PORT) $(PY) deploy/serve.py

# Backups (README "Backups"): the database and the documents into BACKUP_DIR; restore reads one back.
BACKUP_DIR ?=
backup: install
	$(call say,Backing up into $(or $(BACKUP_DIR),var/backups/<timestamp>))
	$(PY) manage.py backup --to "$(or $(BACKUP_DIR),var/backups/$(shell date -u +%Y%m%dT%H%M%SZ))"

# It asks before replacing the database; NOINPUT=1 does not.
restore: install
	@test -n "$(BACKUP_DIR)" || { echo "make restore needs BACKUP_DIR=<a folder made by make backup>"; exit 2; }
	$(call say,Restoring from $(BACKUP_DIR))
	$(PY) manage.py restore --from "$(BACKUP_DIR)" $(if $(filter 1,$(NOINPUT)),--noinput)

# Debian packages the tests use: Chromium for the browser tests, flite for the CAPTCHA's audio alternative.
browser:
	@command -v chromium >/dev/null && command -v flite >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium flite >/dev/null)

# The CAPTCHA's spoken alternative; optional for `make run` (needs root and apt-get; skipped otherwise).
captcha-audio:
	-@command -v flite >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq flite >/dev/null 2>&1; } || true

# The whole suite: unit, integration (PostgreSQL when DATABASE_URL points at it) and browser tests.
test: install-test css messages browser static
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

# README "Benchmarks": the portal at national scale (BENCH_PEOPLE, 100,000 by default, seeded once into the
# `bench` database) against a bare Django view under the same gunicorn, with wrk; table and var/bench/bench.json.
# Never fails a build. bench-journey: the Locust journey of 200 people; bench-micro: the in-process ratios.
bench: install-test css messages static
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	-$(PY) benchmarks/run.py

# PNGs of the main pages at 360 and 1280 px in English and Malay, for review without clicking through:
# var/screenshots/ (ignored). Needs Chromium (`make browser`).
screenshots: install-test css messages
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	SCREENSHOTS_ALL=1 SCREENSHOTS_DIR=$(CURDIR)/var/screenshots DJANGO_SETTINGS_MODULE=config.django.test \
	  $(PY) -m pytest tests/browser/test_ux_screenshots.py -p no:randomly -q -s

bench-journey: install-test css messages static
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	-$(PY) benchmarks/journey.py

bench-micro: install-test css messages
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) -m pytest benchmarks -p no:randomly -q -s

# The stress scenarios at full size (README "Stress"): the callback storm of 1,000 payments, FPX's host faults, a
# worker killed mid-enquiry, races; prints the table. Needs PostgreSQL (and Redis for the workers' broker):
# DATABASE_URL=postgres://... make stress. CI runs the bounded versions (tests/stress) in the PostgreSQL pass.
stress: install-test messages
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "make stress needs DATABASE_URL=postgres://..."; exit 2;; esac
	DJANGO_SETTINGS_MODULE=config.django.test $(PY) manage.py fpx_keys
	STRESS_FULL=1 DJANGO_SETTINGS_MODULE=config.django.test $(PY) -m pytest tests/stress -p no:randomly -q --timeout=3600 \
	  $(PYTEST_ARGS)

clean:
	rm -rf .venv var static/css/matrix.css frontend/node_modules
