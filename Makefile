# Suanpan 算盘 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit test-integration bench migrate audit-verify clean-local help

help:
	@echo "make run    - set up everything and start the platform locally with a demo agency"
	@echo "make test   - the whole test suite (real PostgreSQL, RabbitMQ, S3 server)"
	@echo "make bench  - benchmarks; figures go to docs/benchmarks.md"

# Idempotent: rebuilds the virtualenv only when the pinned requirements change.
install: $(STAMP)
$(STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed (python3.11 not found)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

run: install
	$(PY) -m scripts.run

test: install
	$(PY) -m scripts.check_deps
	$(VENV)/bin/pytest

test-unit: install
	$(VENV)/bin/pytest -m "not integration" servicekit services

test-integration: install
	$(VENV)/bin/pytest tests/integration

# ledger_reports ties our trial balance out against ledger-cli (Debian package `ledger`);
# without root or apt it says so and skips that comparison
bench: install
	@command -v ledger >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q ledger >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ledger >/dev/null 2>&1; } \
		|| echo "ledger-cli could not be installed (apt-get install ledger, as root): ledger_reports skips its tie-out"; }
	$(PY) -m bench.run_all

migrate: install
	$(PY) -m servicekit.migrate identity --create-database
	$(PY) -m servicekit.migrate clients --create-database
	$(PY) -m servicekit.migrate ledger --create-database

audit-verify: install
	$(PY) -m services.identity.audit_verify

clean-local:
	rm -rf var/
