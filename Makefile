# `make check` runs lint, format check, types and the tests (the README's test command runs it).
PY ?= python
# pytest-xdist workers: the tests mostly wait on sockets and timers, so two share 2 CPUs well
# (WORKERS=1 runs them in one process)
WORKERS ?= 2
APP := bot flows handlers i18n procore erp storage sandbox

.PHONY: check lint types test messages revision
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

# A new Alembic revision from what the models have that the migrations lack:
#   make revision m="what changed"
# (upgrades a scratch SQLite database to the current head, autogenerates the next numbered
# revision into storage/migrations/versions/; read it before committing: docs/deploy.md)
REVISION_DB := sqlite+aiosqlite:///$(CURDIR)/.revision.db
revision:
	@test -n "$(m)" || (echo 'usage: make revision m="what changed"' && exit 2)
	rm -f .revision.db
	DATABASE_URL=$(REVISION_DB) $(PY) -m alembic upgrade head
	DATABASE_URL=$(REVISION_DB) $(PY) -m alembic revision --autogenerate -m "$(m)" \
		--rev-id $$(printf %04d $$(( $$(ls storage/migrations/versions/[0-9]*.py | wc -l) + 1 )))
	rm -f .revision.db
