# Offerwatch: `make run` serves a populated demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_DEBUG ?= 1

.PHONY: install run test lint security format check migrate clean prod prod-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_demo --admin
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/api/test_schema.py -k "described or validates"

# The production stack (gunicorn, Celery worker and beat under honcho; PostgreSQL and Redis
# started when local and not running): README "Running in production".
prod: install
	DJANGO_DEBUG=0 $(BIN)/python -m ops.prod

# Starts that stack on free ports against a fresh database and runs a scenario through it.
prod-smoke: install
	DJANGO_DEBUG=0 $(BIN)/python -m ops.smoke

security: install
	.ci/security

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache

# Benchmarks and the load test (bench/README.md); never part of `make test`.
# BENCH_SCALE=small seeds 10,000 offerings, full (the default) 100,000; LOAD_SECONDS shortens
# the load test (60 by default).
.PHONY: bench load

bench: install
	$(BIN)/python -m bench.run

load: install
	$(BIN)/python -m bench.load
