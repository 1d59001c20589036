# The two commands of the README, and what CI runs.
#   make run   - install into .venv, migrate, load the demo data, serve on http://127.0.0.1:8000
#   make test  - install with the test extras and run every test that needs no outside service
#   make ci    - make test, then on PostgreSQL every test whose outcome can depend on the database,
#                then side by side the browser tests, schemathesis against the API (make test-api)
#                and the faults of a small morning rush (make test-faults: root, for a tmpfs, and the
#                PostgreSQL server binaries)
#   make system-deps - the Debian packages beside Python: the CJK font PDFs embed, and poppler and
#                Ghostscript, which the tests print the notice with (installed only when missing)

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
# The PostgreSQL run also counts logins in Redis (tests/test_shared_limits.py).
REDIS_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium
# Test processes (pytest-xdist) for the SQLite and PostgreSQL suites; each PostgreSQL worker gets a
# database of its own beside PG_URL's (<name>_gw0, <name>_gw1, ...), created when missing.
TEST_WORKERS ?= 2
# The CJK TrueType font PDFs embed (XUNCHA_PDF_FONT points elsewhere) and the tools the PDF tests use.
PDF_FONT ?= $(or $(XUNCHA_PDF_FONT),/usr/share/fonts/truetype/arphic/uming.ttc)
SYSTEM_PACKAGES := fonts-arphic-uming poppler-utils ghostscript
# Reinstall whenever pyproject.toml changes.
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install system-deps run test test-postgres test-browser test-api test-faults test-side-by-side ci lint messages bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

# apt-get runs only when something is missing; without root it says what to run instead.
system-deps:
	@missing=""; \
	test -f "$(firstword $(subst #, ,$(PDF_FONT)))" || missing="$$missing fonts-arphic-uming"; \
	command -v pdftoppm >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v gs >/dev/null 2>&1 || missing="$$missing ghostscript"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing:$$missing. Install them (sudo apt-get install$$missing) and run make again." >&2; exit 1; \
	  fi; \
	fi

run: install system-deps
	$(BIN)/xuncha db upgrade
	$(BIN)/xuncha demo --history
	$(BIN)/xuncha serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(BIN)/python -m pytest -m "not browser and not faults" -n $(TEST_WORKERS)

# Only the tests whose outcome can depend on the database (tests/conftest.py): the rest repeat `make test`.
test-postgres: install system-deps
	XUNCHA_TEST_DATABASE_URL=$(PG_URL) XUNCHA_TEST_REDIS_URL=$(REDIS_URL) $(BIN)/python -m pytest -m "not browser and not faults" -n $(TEST_WORKERS)

# The modules run on TEST_WORKERS processes, each module (its server, its tests) on one of them.
# Only tests/browser is collected (where every browser test lives), not the whole suite per process.
test-browser: install
	XUNCHA_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -m browser -n $(TEST_WORKERS) --dist loadfile tests/browser

# Schemathesis against a real server's OpenAPI schema, as officer and as lead: any 5xx or any
# answer that contradicts the schema fails (about a minute and a half).
test-api: install
	$(BIN)/python tests/api_fuzz.py --max-examples 40

# A worker killed, a private PostgreSQL cluster restarted and the photo disk (a tmpfs) filled, each in
# the middle of a small rush; a missing requirement (root, PostgreSQL's binaries) fails, never skips.
test-faults: install
	$(BIN)/python -m pytest -m faults tests/test_faults.py

# After the two suites, which keep both cores busy, the rest mostly waits: the browser tests on
# Chromium and their own timers (about one core), schemathesis on one core, the faults on a worker
# being replaced, PostgreSQL restarting and phones retrying. CI runs the three side by side, each
# one's output held and printed whole when all have ended, and fails if any of them failed.
test-side-by-side: install
	@dir=$$(mktemp -d); \
	for t in test-browser test-api test-faults; do \
	  ( $(MAKE) --no-print-directory $$t >$$dir/$$t.log 2>&1; echo $$? >$$dir/$$t.status ) & \
	done; \
	wait; status=0; \
	for t in test-browser test-api test-faults; do \
	  echo "==== $$t"; cat $$dir/$$t.log; echo "$$t: exit $$(cat $$dir/$$t.status)"; \
	  test "$$(cat $$dir/$$t.status)" = 0 || status=1; \
	done; \
	rm -rf $$dir; exit $$status

ci: test test-postgres test-side-by-side

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
	$(BIN)/python benchmarks/upload_memory.py
