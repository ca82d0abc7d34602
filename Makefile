# Smart Upgrade & Exchange — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
# Our own packages, installed editable (requirements-local.txt): no PYTHONPATH needed anywhere.
PACKAGES := libs/contracts libs/eventing libs/servicekit services/catalog services/enrolment services/valuation services/coupon \
            gateway clients/partner deploy/local

.PHONY: run test lint migrate seed token imei bench install

# The pinned setuptools (constraints.txt) goes in first and builds our packages inside the venv
# (--no-build-isolation): no build environment per package, nothing fetched beyond the pins.
$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-local.txt constraints.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@command -v $(PYTHON) >/dev/null || PYTHON=python3
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PIP) -c constraints.txt setuptools
	$(PIP) --no-build-isolation -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

## Start the broker, every service and the gateway on http://127.0.0.1:8000 (Ctrl-C stops all).
run: install
	$(PY) -m launcher run

## Every test: unit, integration (SQLite; PostgreSQL when TEST_POSTGRES_URL is set), e2e.
test: install
	$(PY) -m pytest -q -rs $(PYTEST_ARGS)

## ruff, mypy, and the import boundaries (import-linter contracts in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy libs services gateway clients deploy/local/launcher
	$(VENV)/bin/lint-imports --no-logo

## Bring every service's database to the newest schema (also done by `make run`).
migrate: install
	$(PY) -m launcher migrate

## Print a customer token (or an ops token with ROLE=ops) for the embedded default.
token: install
	@$(PY) -m launcher token --account "$(ACCOUNT)" $(if $(ROLE),--role $(ROLE),)

## Print a valid sample IMEI for a seeded model: make imei MODEL=redmi-note-9-pro-4gb-64gb
imei: install
	@$(PY) -m catalog.seed imei "$(MODEL)"

bench: install
	$(PY) bench/catalog_read.py
