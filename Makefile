# The two commands a user needs: `make pipeline` and `make test`. Everything
# else bootstraps itself: `make venv` creates .venv/ (with uv inside it) from
# uv.lock, and is quick when the environment is already current.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
PY := $(VENV)/bin/python
UV_VERSION := 0.9.30
# Never let uv download an interpreter: use the one that made the venv.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))

.PHONY: help venv test test-rehearsal lint fmt pipeline rehearsal clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The stamp makes `make venv` a no-op when uv.lock and pyproject.toml are unchanged (its name changes with the
# sync options, so a change of options re-syncs an existing venv). --compile-bytecode: the suite starts
# hundreds of Python processes (emulators, CLIs, tools); where PYTHONDONTWRITEBYTECODE is set, as in many CI
# images, an uncompiled venv recompiles boto3, moto & co. in every one of them (~0.8 s of CPU each).
VENV_STAMP := $(VENV)/.synced-compiled
$(VENV_STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(VENV)/bin/python
	@touch $@

venv: $(VENV_STAMP) ## create/update .venv from uv.lock

# Coverage of functions/, data/ and the ops tools (infrastructure/ops, measured in the processes the tests
# start them in) is enforced here (fail_under in pyproject.toml); the pipeline's coverage stage holds
# functions/ and data/ to the same floor, so `.ci/run` proves the 90 % floor on every push.
# Test files run in parallel (pytest-xdist, one file per worker at a time: module fixtures such as the
# rehearsal's emulators are never shared across workers); each worker has its own session moto server.
# Most of the suite waits on Terraform, emulators and subprocesses, so 3 workers pay off on 2 cores.
# The deployment rehearsal's end-to-end runs (three rehearsals, ~4.5 min, mostly the AWS provider's fixed S3
# lifecycle waits) are their own target: `.ci/run` runs both on every push.
PYTEST_WORKERS ?= 3
test: venv ## run the test suite (unit, integration, infrastructure, pipeline, local cloud); coverage >= 90 %
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile -m "not rehearsal" --cov --cov-report=term

test-rehearsal: venv ## the deployment rehearsal's tests: the full path and what-if runs lacking one action
	$(PY) -m pytest -m rehearsal

lint: venv ## ruff (lint + format check) and mypy
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

fmt: venv ## apply ruff fixes and formatting
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

pipeline: venv ## run every pipeline stage against an ephemeral local cloud
	$(PY) -m ci run --env local

rehearsal: venv ## rehearse the real-AWS path (bootstrap, global, dev on S3 with the OIDC roles) offline
	$(PY) -m ci rehearse

clean: ## remove build outputs and caches (keeps .venv)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
