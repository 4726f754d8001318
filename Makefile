# The README's two commands are `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
export B24APP_SANDBOX ?= 1

.PHONY: run test lint bench format

$(VENV)/.runtime: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime  ## app + sandbox portal + sandbox Chat2Desk, SQLite in instance/
	$(VENV)/bin/flask --app b24app db upgrade
	$(VENV)/bin/flask --app b24app sandbox --port $(PORT)

test: $(VENV)/.dev  ## the whole suite, browser tests in Chromium included
	@sh scripts/ensure_chromium.sh
	$(VENV)/bin/pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev  ## prints the performance table (SQLite, and Postgres when TEST_DATABASE_URL is set)
	$(PY) -m bench
