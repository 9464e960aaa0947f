# OrderDesk: `make run` serves the app with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## Serve on http://127.0.0.1:8000 with a Celery worker and beat beside it (SQLite).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_followup
	$(BIN)/python manage.py load_revision_content
	$(BIN)/python manage.py seed_demo_portfolio
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile.dev

## Every test. With DATABASE_URL / CELERY_BROKER_URL unset, the PostgreSQL and
## Redis tests skip and say why; .ci/run sets both.
test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core for the browser tests (tests/browser), as package-lock.json pins it.
# Without npm the browser tests skip and say why (CI has it and runs them).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund || echo "npm ci failed: the browser tests will skip"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/export.py

clean:
	rm -rf var .pytest_cache
