# VirtSec Portal. `make demo` to try it, `make test` for the whole suite.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/9
# Production-like settings for the suite (DEBUG off); keys are throwaway test values.
TEST_COMMON = PORTAL_TESTING=1 DEBUG=false PORTAL_HTTPS=false \
  SECRET_KEY=test-only-secret-key-not-for-production-0123456789 \
  ENCRYPTION_KEYS=dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTAxMjM0NTY= LOG_LEVEL=WARNING
TEST_ENV = DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_REDIS_URL) $(TEST_COMMON)
# `make test` runs the suite on both backends at once (.ci/test-both.sh); TEST_BACKENDS=postgres
# or TEST_BACKENDS=sqlite runs one. The SQLite run uses the embedded broker, as `make demo` does.
TEST_BACKENDS ?= postgres sqlite

.PHONY: install demo test lint format bench clean system-deps security fuzz soak

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The venv is rebuilt when the lock file changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	@bash .ci/system-deps.sh build
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

# Debian packages the simulators and browser tests need (Go toolchain, govmomi, Chromium,
# OpenLDAP's slapd); `.ci/system-deps.sh build` alone brings python-ldap's build headers.
system-deps:
	@bash .ci/system-deps.sh

demo: install
	@$(BIN)/python -m simulators.demo --port $(PORT)

test: install system-deps
	@bash .ci/services.sh
	TEST_ENV_PG="$(TEST_ENV)" TEST_ENV_SQLITE="$(TEST_COMMON)" TEST_BACKENDS="$(TEST_BACKENDS)" \
	  PYTEST="$(BIN)/python -m pytest" PYTEST_ARGS="$(PYTEST_ARGS)" bash .ci/test-both.sh

# Security gates: bandit (no high finding) and pip-audit (docs/security.md). CI runs them.
security: install
	bash .ci/security.sh

# Schemathesis against the OpenAPI schema for each role, 100 examples per operation (7 to 8
# minutes; `make test` runs the same test with 25). Report: $(FUZZ_REPORT); docs/security.md.
FUZZ_EXAMPLES ?= 100
FUZZ_REPORT ?= test-artifacts/fuzz-report.json
fuzz: install system-deps
	@bash .ci/services.sh
	@mkdir -p $(dir $(FUZZ_REPORT))
	$(TEST_ENV) PORTAL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) PORTAL_FUZZ_REPORT=$(FUZZ_REPORT) \
	  $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS) tests/security/test_api_fuzz.py

# The demo stack (web, worker, beat on SQLite and the embedded broker, fake Proxmox VE on a
# 1-minute interval, two per-minute policies) for SOAK_MINUTES; figures as JSON, exit 1 on any
# failed expectation (bench/soak.py). `make test` runs a 3-minute form.
SOAK_MINUTES ?= 10
soak: install
	$(BIN)/python -m bench.soak --minutes $(SOAK_MINUTES)

# Style, then the dependency rules of docs/architecture.md (import-linter contracts in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install system-deps
	@bash .ci/services.sh
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
