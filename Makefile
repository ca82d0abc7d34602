# Smart Upgrade & Exchange — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
# Our own packages, installed editable (requirements-local.txt): no PYTHONPATH needed anywhere.
PACKAGES := libs/contracts libs/eventing libs/servicekit services/catalog services/enrolment services/valuation services/coupon \
            services/notification gateway clients/partner deploy/local

# Every tests folder is a `tests` package of its own; mypy checks each in a run of its own.
MYPY_TESTS := $(wildcard libs/*/tests services/*/tests gateway/tests clients/*/tests) tests

.PHONY: run run-scaled test chromium lint migrate seed token imei bench bench-scaled bench-writes-scaled ops install

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

## The production shape on this machine, same URL: the local PostgreSQL (a database per service) and Redis,
## the broker, API replicas and workers per service and gateway replicas, supervised (Ctrl-C stops all).
## Counts: make run-scaled API_REPLICAS=2 WORKER_REPLICAS=1 GATEWAY_REPLICAS=2 (also <SERVICE>_API_REPLICAS, …).
run-scaled: install
	$(PY) -m launcher run-scaled

## Every test: unit, integration (SQLite; PostgreSQL when TEST_POSTGRES_URL is set), e2e.
test: install chromium
	$(PY) -m pytest -q -rs $(PYTEST_ARGS)

# Debian's Chromium for the console's browser tests (tests/console): nothing to do when present; apt-get when
# usable (root, or sudo without a password); else the tests skip (CI requires them: REQUIRE_BROWSER=1).
chromium:
	@command -v chromium >/dev/null || { \
	  sudo=""; [ "$$(id -u)" = 0 ] || { sudo -n true 2>/dev/null && sudo="sudo -n"; } || true; \
	  if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || [ -n "$$sudo" ]; }; then \
	    echo "installing chromium (apt-get) for the console's browser tests"; \
	    $$sudo apt-get update -qq >/dev/null && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || echo "chromium could not be installed: the console's browser tests will skip"; \
	  else echo "chromium is missing and apt-get is not usable here: the console's browser tests will skip"; fi; }

## ruff, mypy (the code, then each tests folder on its own), and the import boundaries (import-linter contracts in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy libs services gateway clients deploy/local/launcher bench
	for tests in $(MYPY_TESTS); do $(VENV)/bin/mypy $$tests || exit 1; done
	$(VENV)/bin/lint-imports --no-logo

## Bring every service's database to the newest schema (also done by `make run`).
migrate: install
	$(PY) -m launcher migrate

## Print a customer token (or an ops token with ROLE=ops) for the embedded default.
token: install
	@$(PY) -m launcher token --account "$(ACCOUNT)" $(if $(ROLE),--role $(ROLE),)

## Event-flow tools through the gateway (ops token): make ops ARGS="dlq list coupon" — docs/operations.md.
ops: install
	@$(PY) -m launcher ops $(ARGS)

## Print a valid sample IMEI for a seeded model: make imei MODEL=redmi-note-9-pro-4gb-64gb
imei: install
	@$(PY) -m catalog.seed imei "$(MODEL)"

## The figures of docs/performance.md: the catalog read, then every business write against it in one run (embedded
## default). Installs wrk and nginx from Debian's packages when run as root or with sudo, else says what to install.
bench: install
	$(PY) bench/catalog_read.py
	$(PY) bench/write_paths.py
	$(PY) bench/sqlite_paths.py

## The same writes bench against `make run-scaled` (the local PostgreSQL and Redis).
bench-writes-scaled: install
	$(PY) bench/write_paths.py --scaled

## The scaled run's figures: trade-in throughput with 1 and 2 API replicas, a dead worker's partitions moving.
bench-scaled: install
	$(PY) bench/scaled_flow.py
