# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

RUN_STAMP := $(VENV)/.installed-run

.PHONY: run test test-sqlite test-pg bench lint clean browser postgres

# Running needs the package and its PostgreSQL driver only; the tests add the test tools.
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[postgres]'
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	touch $(STAMP)

# The port `make run` listens on (`make run PORT=8001` when 8000 is taken).
PORT ?= 8000

run: $(RUN_STAMP)
	$(BIN)/casecommittee serve --demo --port $(PORT)

# The pages' browser scenarios (tests/pages/browser) run in a real headless browser: Debian's chromium.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "Chromium is missing: install Debian's chromium (sudo apt-get install chromium)"; exit 1; }

# The PostgreSQL pass starts a throw-away server of Debian's postgresql (installed if missing).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	  { echo "PostgreSQL is missing: install Debian's postgresql (sudo apt-get install postgresql)"; exit 1; }

# The whole suite on SQLite, then on PostgreSQL.
test: lint test-sqlite test-pg

# The tests are shared among TEST_WORKERS processes (pytest-xdist; 0 runs them in this one).
TEST_WORKERS ?= 2

test-sqlite: $(STAMP) browser
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-pg: $(STAMP) browser postgres
	scripts/with-postgres $(BIN)/python -m pytest -n $(TEST_WORKERS)

# Everything on SQLite (10,000 and 50,000 pathways), then SQLite and PostgreSQL side by side
# (10,000 pathways, a throw-away PostgreSQL server).
# Everything (bench/README.md), then SQLite and PostgreSQL side by side; prints its wall time.
bench: $(STAMP) postgres
	@started=$$(date +%s); \
	$(BIN)/python bench/run.py && \
	scripts/with-postgres $(BIN)/python bench/backends.py --runs 2 && \
	echo "make bench: $$(( $$(date +%s) - started )) s wall, load average now $$(cut -d' ' -f1-3 /proc/loadavg)"

# One group's agenda while the others grow (10,000 and 50,000 pathways).
.PHONY: bench-agenda
bench-agenda: $(STAMP)
	$(BIN)/python bench/agenda.py

# SQLite and PostgreSQL side by side only.
.PHONY: bench-pg
bench-pg: $(STAMP) postgres
	scripts/with-postgres $(BIN)/python bench/backends.py

# The HTTP API under load (gunicorn, 2 workers, 8 clients) on the 50,000-pathway store.
.PHONY: bench-api
bench-api: $(STAMP)
	$(BIN)/python bench/api_load.py

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts/with-postgres

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
