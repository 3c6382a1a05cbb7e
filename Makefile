# `make check` runs lint, format check, types and the tests (the README's test command runs it).
PY ?= python
# pytest-xdist workers (the tests mostly wait on sockets and timers; 1 runs them in-process)
WORKERS ?= 2
APP := bot flows handlers i18n procore erp storage sandbox

.PHONY: check lint types test messages
check: lint types test

lint:
	$(PY) -m ruff check $(APP) tests bench
	$(PY) -m ruff format --check $(APP) tests bench

types:
	$(PY) -m mypy

test:
	$(PY) -m pytest -q -n $(WORKERS)

# Extract the messages into the template and merge it into every locale's catalog
# (docs/messages.md: then translate the new entries, and run the tests).
messages:
	$(PY) -m babel.messages.frontend extract -F pyproject.toml --no-location --sort-output --width=100 \
		--add-comments=TRANSLATORS: --project=cco-bot -k Nn_:1,2 -o i18n/locales/messages.pot \
		i18n handlers flows bot
	$(PY) -m babel.messages.frontend update -i i18n/locales/messages.pot -d i18n/locales \
		--no-fuzzy-matching --ignore-obsolete --width=100
