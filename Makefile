# Suanpan 算盘 — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-unit test-integration fuzz tools bench migrate audit-verify clean-local help

help:
	@echo "make run    - set up everything and start the platform locally with a demo agency"
	@echo "make test   - the whole test suite (real PostgreSQL, RabbitMQ, S3 server)"
	@echo "make fuzz   - the OpenAPI fuzzer for longer (FUZZ_SECONDS=600, FUZZ_SEED=n to explore)"
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

test: install tools
	$(PY) -m scripts.check_deps --management
	$(VENV)/bin/pytest

test-unit: install
	$(VENV)/bin/pytest -m "not integration" servicekit services

test-integration: install tools
	$(VENV)/bin/pytest tests/integration

# `make test` fuzzes for 90 s; this runs the same test longer (any 5xx fails it, with the request)
FUZZ_SECONDS ?= 600
fuzz: install
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(VENV)/bin/pytest -s tests/integration/test_fuzz_openapi.py

# Debian's ledger-cli (package `ledger`): the independent oracle the ledger's trial balance is
# checked against, in a test and in bench/ledger_reports.py. Installed when missing and root.
tools:
	@command -v ledger >/dev/null 2>&1 || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q ledger >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ledger >/dev/null 2>&1; } \
		|| echo "ledger-cli could not be installed: run 'apt-get install -y ledger' as root (the oracle test needs it)"; }

bench: install tools
	$(PY) -m bench.run_all

migrate: install
	$(PY) -m servicekit.migrate identity --create-database
	$(PY) -m servicekit.migrate clients --create-database
	$(PY) -m servicekit.migrate ledger --create-database

audit-verify: install
	$(PY) -m services.identity.audit_verify

clean-local:
	rm -rf var/
