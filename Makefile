# The two commands a new colleague needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := EVENTAPP_ENV=development $(BIN)/flask --app eventapp
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard eventapp/translations/*/LC_MESSAGES/messages.po))

#: The system packages (Debian names), the only list of them: WeasyPrint's text stack and a font
#: for the PDFs; ICU and the compiler PyICU is built with (Swedish collation, no wheel on PyPI); for
#: `make test` also poppler (the PDF tests read PDFs back) and Chromium (the browser tests; where it
#: cannot be installed they are skipped with the reason).
PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core libicu-dev pkg-config g++
TEST_PACKAGES := poppler-utils
BROWSER_PACKAGES := chromium

.PHONY: run test install system db messages lint clean bench

run: system install db  ## Serve the demo on http://127.0.0.1:5000, with the worker (see Procfile)
	EVENTAPP_ENV=development $(BIN)/honcho start -f Procfile

test: PACKAGES += $(TEST_PACKAGES)
test: system install  ## The whole suite (SQLite; TEST_DATABASE_URL=postgresql://… for PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

# Installs what is missing with apt-get (as root, or with sudo that asks no password); otherwise
# stops with the command to run. Chromium is the one package that may stay missing.
system:  ## The system packages of the list above
	@command -v dpkg >/dev/null || { echo "Not Debian: make sure you have $(PACKAGES) $(BROWSER_PACKAGES)"; exit 0; }; \
	installed() { dpkg-query -W -f='$${Status}' "$$1" 2>/dev/null | grep -q 'ok installed'; }; \
	missing=$$(for p in $(PACKAGES); do installed $$p || echo $$p; done); \
	browser=$$(for p in $(if $(filter $(TEST_PACKAGES),$(PACKAGES)),$(BROWSER_PACKAGES)); do \
		installed $$p || echo $$p; done); \
	[ -z "$$missing$$browser" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo"; \
	else \
		[ -n "$$missing" ] && { echo "Missing system packages. Run: sudo apt-get install -y" $$missing; exit 1; }; \
		echo "Chromium cannot be installed here: the browser tests will be skipped"; exit 0; \
	fi; \
	echo "Installing system packages:" $$missing $$browser; \
	$$sudo apt-get update -qq && \
	DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing >/dev/null && \
	{ [ -z "$$browser" ] || DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$browser >/dev/null || \
		echo "Chromium could not be installed: the browser tests will be skipped"; }

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

bench: system install  ## Benchmarks: load, latency and memory beside their baselines (bench/results.json)
	$(BIN)/python -m bench.run $(BENCH)
