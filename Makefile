# Nebendesk: `make run` serves the app with demo data; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TRANSLATIONS := marketplace/translations
export FLASK_APP := wsgi

.PHONY: install translations run test test-pg test-e2e test-all lint format bench messages clean synapse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs (.mo) are build output; the .po files are the source.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS) -D messages

# Re-extract messages after changing user-facing text, then translate the new
# entries in $(TRANSLATIONS)/de/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l -k lazy_pgettext:1c,2 -k _lp:1c,2 -o $(TRANSLATIONS)/messages.pot --no-location --sort-output --ignore-dirs '.* instance' .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) -D messages --no-fuzzy-matching --ignore-obsolete

# The bundled Stripe emulator runs beside the app (port 12111) and posts its
# signed webhooks to the app. It starts first: the demo seed pays and connects
# through it, so Stripe and the books agree. The sandbox community (port 12112)
# posts its chat and forum to the community API; it reads its token and webhook
# secret from instance/sandbox-community.json, which the demo seed writes.
# All three stop together.
run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask sandbox stripe --quiet --state instance/stripe-emulator.json \
	    --webhook-url http://127.0.0.1:5000/stripe/webhook & EMULATOR=$$!; \
	  $(BIN)/flask sandbox community --quiet --state instance/sandbox-community-state.json \
	    --connection-file instance/sandbox-community.json --demo & COMMUNITY=$$!; \
	  trap 'kill $$EMULATOR $$COMMUNITY 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask sandbox wait && $(BIN)/flask seed demo && \
	  $(BIN)/flask run --host 127.0.0.1 --port 5000

# A real Matrix homeserver for the bridge's tests (tests/matrix_server.py), in its own
# virtualenv: Synapse's pins conflict with the project's. Made once.
SYNAPSE_VENV := .synapse-venv
synapse:
	test -x $(SYNAPSE_VENV)/bin/python || ( $(PYTHON) -m venv $(SYNAPSE_VENV) && \
	  $(SYNAPSE_VENV)/bin/pip install --quiet matrix-synapse )

test: install synapse
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -q

test-pg: install synapse
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q

test-e2e: install synapse
	$(BIN)/pytest -q -m e2e tests/e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) $(SYNAPSE_VENV) instance .pytest_cache .ruff_cache
