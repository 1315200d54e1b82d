# The two commands a new colleague needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := EVENTAPP_ENV=development $(BIN)/flask --app eventapp
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard eventapp/translations/*/LC_MESSAGES/messages.po))

.PHONY: run test install db messages lint clean bench

run: install db  ## Serve the demo on http://127.0.0.1:5000
	$(FLASK) run --host 127.0.0.1 --port 5000

test: install  ## The whole suite (SQLite; TEST_DATABASE_URL=postgresql://… for PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

install: $(VENV)/.installed $(CATALOGUES)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

eventapp/translations/%/LC_MESSAGES/messages.mo: eventapp/translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

db: install  ## Migrate the database and load reference data and the demo events (idempotent)
	$(FLASK) db upgrade
	$(FLASK) seed-demo

messages: install  ## Extract translatable strings and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 --no-location -o eventapp/translations/messages.pot .
	$(BIN)/pybabel update -i eventapp/translations/messages.pot -d eventapp/translations --no-fuzzy-matching --width 100

lint: install
	$(BIN)/ruff check eventapp tests bench config.py

clean:
	rm -rf $(VENV) instance .pytest_cache

bench: install  ## Benchmarks: load, latency and memory beside their baselines (bench/results.json)
	$(BIN)/python -m bench.run $(BENCH)
