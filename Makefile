# The two commands: `make run` and `make test`. Everything else is here to serve them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MANAGE := $(PY) manage.py
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench messages screenshots system-packages clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

locale/fr/LC_MESSAGES/django.mo: locale/fr/LC_MESSAGES/django.po | $(STAMP)
	command -v msgfmt >/dev/null || bash scripts/ensure-system-packages.sh gettext
	$(MANAGE) compilemessages --ignore '$(VENV)/*' -v 0

run: $(STAMP) locale/fr/LC_MESSAGES/django.mo
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) load_demo
	@echo "Terroir is served on http://127.0.0.1:$(PORT)/ with its background worker (Ctrl-C stops both)"
	PY=$(PY) PORT=$(PORT) bash scripts/serve.sh

system-packages:
	bash scripts/ensure-system-packages.sh chromium postgresql gettext

lint: $(STAMP)
	$(VENV)/bin/ruff check terroir bench
	$(VENV)/bin/ruff format --check terroir bench
	$(VENV)/bin/mypy terroir bench
	$(VENV)/bin/lint-imports
	$(MANAGE) makemigrations --check --dry-run -v 0

test-sqlite: $(STAMP) locale/fr/LC_MESSAGES/django.mo
	$(VENV)/bin/pytest -n auto

test-postgres: $(STAMP) locale/fr/LC_MESSAGES/django.mo
	bash scripts/with-postgres.sh $(VENV)/bin/pytest -n auto

test: system-packages $(STAMP) locale/fr/LC_MESSAGES/django.mo lint test-sqlite test-postgres

bench: $(STAMP)
	$(PY) bench/search.py

# Rewrites the real French catalogue from the sources (terroir/site's makemessages: never fuzzy), drops the
# strings no code uses any more, then lists what is left to translate by hand (an empty msgstr).
messages: $(STAMP)
	$(MANAGE) makemessages -l fr --no-obsolete --ignore '$(VENV)/*' --ignore 'bench/*' --ignore 'scripts/*' \
		--ignore '*/tests/*' --ignore '*/migrations/*'
	@msgattrib --untranslated --no-obsolete locale/fr/LC_MESSAGES/django.po | grep '^msgid' || echo "Every string has its French translation."
	$(MANAGE) compilemessages --ignore '$(VENV)/*' -v 0

# The docs' screenshots (docs/screenshots/): the demo in a throw-away database, served and photographed.
screenshots: $(STAMP) locale/fr/LC_MESSAGES/django.mo
	$(PY) scripts/screenshots.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mypy_cache .ruff_cache var/test-databases var/pycache
