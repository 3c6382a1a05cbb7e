# `make check` runs lint, format check, types and the tests (the README's test command runs it).
PY ?= python
APP := bot flows handlers procore erp storage sandbox

.PHONY: check lint types test
check: lint types test

lint:
	$(PY) -m ruff check $(APP) tests bench
	$(PY) -m ruff format --check $(APP) tests bench

types:
	$(PY) -m mypy

test:
	$(PY) -m pytest -q
