# Resident Portal: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := portal
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations messages upgrade demo run serve lint format test test-sqlite test-postgres test-dates test-every-date bench screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

translations: $(STAMP)
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

# Extract the strings from the code and merge them into the catalogs for translating.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project="Resident Portal" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --ignore-obsolete \
		--no-fuzzy-matching --ignore-pot-creation-date

upgrade: install translations
	$(BIN)/flask upgrade

demo: upgrade
	$(BIN)/flask demo-data

# The demo runs beside a test bank-ID provider that knows the demo residents; email stays
# in the outbox and is shown at /dev/outbox. Emailed links and the bank identification's
# return address are built on PORTAL_PUBLIC_URL, so it follows HOST and PORT.
BANK_ID_PORT ?= 9400
PORTAL_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: demo
	@echo "Serving the Resident Portal on http://$(HOST):$(PORT)/ (emails: /dev/outbox)"
	$(BIN)/flask demo-bank-id --port $(BANK_ID_PORT) & provider=$$!; \
	trap 'kill $$provider 2>/dev/null' EXIT INT TERM; \
	PORTAL_OIDC_ISSUER_URL=http://127.0.0.1:$(BANK_ID_PORT) PORTAL_OIDC_CLIENT_SECRET=demo \
	PORTAL_PUBLIC_URL=$(PORTAL_PUBLIC_URL) \
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: upgrade
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) --access-logfile - 'portal:create_app()'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --recursive portal

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The Nu Html Checker for the HTML validity test (needs npm and Java).
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR):
	if command -v npm >/dev/null; then \
		npm install --no-save --no-audit --no-fund --silent vnu-jar@26.9.27; fi

# Every test: the whole suite on SQLite; again on a PostgreSQL server the tests start
# themselves, all but what is the same on any database (the browser, HTML validity,
# translations) (needs Debian's postgresql package); then once more, but for the browser
# tests, at moments that break naive date code under libfaketime (Debian's faketime): each
# moment takes a share of the tests, turning with the commit. PORTAL_REQUIRE_TOOLS=1 makes
# the tools mandatory. Each run prints its 15 slowest tests.
PYTEST := $(BIN)/python -m pytest -n 2 --dist worksteal --durations=15
test: test-sqlite test-postgres test-dates

test-sqlite: lint translations $(VNU_JAR)
	$(PYTEST) $(PYTEST_ARGS)

test-postgres: lint translations $(VNU_JAR)
	@if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then \
		PORTAL_TEST_POSTGRES=1 $(PYTEST) \
			-m "not browser and not same_on_any_database and not deployment" \
			$(PYTEST_ARGS); \
	elif [ "$$PORTAL_REQUIRE_TOOLS" = "1" ]; then \
		echo "PostgreSQL is not installed: apt-get install postgresql"; exit 1; \
	else \
		echo "Skipping the PostgreSQL run: PostgreSQL is not installed."; \
	fi

test-dates: lint translations
	@if command -v faketime >/dev/null; then \
		$(BIN)/python tests/dates.py $(PYTEST_ARGS); \
	elif [ "$$PORTAL_REQUIRE_TOOLS" = "1" ]; then \
		echo "faketime is not installed: apt-get install faketime"; exit 1; \
	else \
		echo "Skipping the run at other dates: faketime is not installed."; \
	fi

# Every test but the browser's at every one of those moments (ten passes of the suite).
test-every-date: lint translations
	$(BIN)/python tests/dates.py --all $(PYTEST_ARGS)

# Pictures of the main pages at phone width for the README (needs chromium).
screenshots: install translations
	$(BIN)/python docs/screenshots.py

# Queries and bytes per page, and server cost against a reference page (needs wrk).
bench: install translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) translations/*/LC_MESSAGES/*.mo
