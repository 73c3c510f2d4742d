# Threadwork: `make run` serves the sample archive, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: install install-test run serve loadtest test fuzz bench lint format stop-db clean-db chromium public-inbox

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Browser tests drive Debian's Chromium (never a downloaded browser build).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

install-test: $(VENV)/.installed-test chromium

# make bench compares against Debian's public-inbox (tests/bench/anchor.py); without
# the package (no apt here) that part is skipped, so a failed install is not fatal.
public-inbox:
	@command -v public-inbox-httpd >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq public-inbox >/dev/null; } \
	  || echo "public-inbox not installed: make bench skips the side-by-side part"

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py ingest sample/*.mbox
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production mode: gunicorn (WEB_CONCURRENCY workers) on 127.0.0.1:$(PORT), static
# files through whitenoise. The secret key comes from DJANGO_SECRET_KEY (or
# DJANGO_SECRET_KEY_FILE); without either, one is generated once into
# .data/secret_key. Plain http on loopback works: the https redirect is off
# unless DJANGO_SECURE_SSL_REDIRECT=1 (README "Deployment").
serve: install
	@set -e; mkdir -p .data; \
	if [ -z "$$DJANGO_SECRET_KEY" ] && [ -z "$$DJANGO_SECRET_KEY_FILE" ]; then \
	  [ -s .data/secret_key ] || ( umask 077; \
	    $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > .data/secret_key ); \
	  export DJANGO_SECRET_KEY_FILE="$(CURDIR)/.data/secret_key"; \
	fi; \
	export DJANGO_SETTINGS_MODULE=config.settings.prod PORT=$(PORT) \
	  DJANGO_SECURE_SSL_REDIRECT="$${DJANGO_SECURE_SSL_REDIRECT:-0}"; \
	$(PY) manage.py migrate --no-input; \
	$(PY) manage.py collectstatic --no-input --verbosity 0; \
	exec $(VENV)/bin/gunicorn -c config/gunicorn.conf.py

# 50 clients for 60 s against `make serve` on linux-rtc (database threadwork_load,
# ingested once); results go to the "Load test" section of docs/performance.md.
loadtest: install
	$(PY) -m tests.loadtest

# Lint and types first (a few seconds), so CI (.ci/run -> make test) enforces them.
# The test settings, named on the command line: the DJANGO_SETTINGS_MODULE this
# Makefile exports for `make run` would otherwise win over pyproject's.
test: install-test lint
	$(PY) -m pytest -n 2 --ds=config.settings.test

# Property-based tests on hostile mail, thousands of examples each (make test runs a few).
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests/fuzz -p no:cacheprovider --ds=config.settings.test

bench: install-test public-inbox
	$(PY) -m tests.bench

# ruff, then mypy (what it checks, and how strictly, is in pyproject.toml).
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

stop-db:
	$(PY) -c "from config.database import stop_embedded_server; stop_embedded_server()"
