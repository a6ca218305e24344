# Offerwatch: `make run` serves a populated demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Pinned, hashed versions of every dependency (the project's and the dev group's): `make lock`.
LOCK := requirements.lock
LOCK_COMMAND := pip compile pyproject.toml --group dev --universal --python-version 3.11 \
	--generate-hashes --quiet --output-file $(LOCK)
export DJANGO_DEBUG ?= 1

.PHONY: install lock run test lint security format check migrate clean prod prod-smoke

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installs exactly the lock; refuses, naming the package, when pyproject.toml asks for one the
# lock lacks (run `make lock` after changing dependencies).
$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python .ci/lock_check.py pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Re-resolve after a change to pyproject.toml; versions already locked stay unless they must move.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.7"
	$(BIN)/uv $(LOCK_COMMAND)

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: migrate
	$(BIN)/python manage.py load_demo --admin
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# django-upgrade rewrites what it upgrades and then fails: commit its changes.
PYTHON_FILES = find . -name '*.py' -not -path './.venv/*' -not -path './node_modules/*' -print0

lint: install
	$(BIN)/python .ci/lock_check.py pyproject.toml $(LOCK)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PYTHON_FILES) | xargs -0 $(BIN)/django-upgrade --target-version 5.2
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
	$(PYTHON_FILES) | xargs -0 $(BIN)/django-upgrade --target-version 5.2 || true
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
