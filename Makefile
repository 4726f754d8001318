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

# Translations: extract every marked string into the template, then merge it into each
# catalog (a language without a catalog yet is initialised). Translate the new entries in
# b24app/translations/<lang>/LC_MESSAGES/messages.po afterwards; tests/unit/test_i18n.py fails
# while any message is untranslated. The .mo files are not committed: the app compiles them.
LOCALES := en ru es pt
TRANSLATIONS := b24app/translations

.PHONY: translations
translations: $(VENV)/.runtime
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location \
		--project b24app -o $(TRANSLATIONS)/messages.pot .
	@for lang in $(LOCALES); do \
		if [ -f $(TRANSLATIONS)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang \
				--no-fuzzy-matching --ignore-obsolete; \
		else \
			$(VENV)/bin/pybabel init -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -l $$lang; \
		fi; \
	done
