# The two commands of the README, and what CI runs.
#   make run   - install into .venv, migrate, load the demo data, serve on http://127.0.0.1:8000
#   make test  - install with the test extras and run every test that needs no outside service
#   make ci    - make test, then the whole suite again on PostgreSQL, then the browser tests

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
CHROMIUM ?= /usr/bin/chromium
# Reinstall whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-postgres test-browser ci lint messages bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

run: install
	$(BIN)/xuncha db upgrade
	$(BIN)/xuncha demo --history
	$(BIN)/xuncha serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -m "not browser"

test-postgres: install
	XUNCHA_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not browser"

test-browser: install
	XUNCHA_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser

ci: test test-postgres test-browser

lint: install
	$(BIN)/ruff check server tests benchmarks
	$(BIN)/ruff format --check server tests benchmarks

# Extract the interface's messages and merge them into the catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext --no-location --sort-output --ignore-dirs='.* node_modules data __pycache__' -o server/locale/messages.pot .
	$(BIN)/pybabel update -i server/locale/messages.pot -d server/locale --no-fuzzy-matching --ignore-obsolete

bench: install
	$(BIN)/python benchmarks/photo_pipeline.py
	$(BIN)/python benchmarks/check_throughput.py
