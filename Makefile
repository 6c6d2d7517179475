# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export METAVAST_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install lint format bench bench-deps browser-deps pdf-deps fonts clean npm-deps
.PHONY: prod prod-stop prod-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# Subset web fonts (fontTools from the venv); does nothing once they are there.
fonts: $(STAMP)
	@FONT_PYTHON=$(BIN)/python scripts/fetch_font.sh

# WeasyPrint (invoice PDFs) needs Pango from Debian; install it if the import fails.
pdf-deps: $(STAMP)
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	  else echo "invoice PDFs need Pango: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0" >&2; fi; }

# The API tests' tools from npm (Redocly CLI, openapi-typescript, tsc), pinned exactly in
# package-lock.json. Only `make test` needs them, never `make run`. Without npm this says so
# and goes on; those tests then skip with the same reason.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the API lint and TypeScript client tests will skip" >&2; fi

npm-deps: $(NODE_STAMP)

# Debian's chromium for the browser tests; Playwright never downloads its own browser.
# and poppler-utils, whose pdftoppm turns an invoice PDF into a PNG for the tests' artifacts.
browser-deps:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else echo "tests need Debian's chromium and poppler-utils: sudo apt-get install chromium poppler-utils" >&2; fi; }

# Issue 17: the production topology's servers from Debian (nginx; PostgreSQL, Redis and
# RabbitMQ are on these machines already, and installed the same way on a fresh one).
prod-deps:
	@{ command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx-light >/dev/null; \
	  else echo "make prod needs nginx: sudo apt-get install nginx-light" >&2; exit 1; fi; }
	@command -v pg_basebackup >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || \
	  { echo "make prod needs PostgreSQL's server binaries (postgresql)" >&2; exit 1; }

# Issue 17: nginx (TLS, HTTP/2) → two gunicorn nodes, Celery workers and beat on RabbitMQ,
# Redis, PostgreSQL primary + streaming replica, on this machine (deploy/topology.py,
# deploy/RUNBOOK.md). `make prod-stop` stops all of it.
prod: install fonts pdf-deps prod-deps
	$(BIN)/python deploy/topology.py up

prod-stop:
	$(PYTHON) deploy/topology.py down

run: install fonts pdf-deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py bootstrap_admin
	@echo "Metavast: http://$(HOST):$(PORT)/"
	@# One process with threads; it also runs the periodic jobs (audit sealing, order expiry,
	@# retention, outbox retries) and queued tasks off the request threads, and its access
	@# log is scrubbed (no IPs, query strings or tokens). See config/gunicorn_local.py.
	$(BIN)/gunicorn -c config/gunicorn_local.py --bind $(HOST):$(PORT)

test: install fonts pdf-deps browser-deps npm-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# wrk from Debian for the benches (never needed by `make run` or `make test`).
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; fi; }

bench: install fonts bench-deps
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	@# The audit checkpoints describe the database removed here; a new one starts a new chain.
	rm -rf var/static var/metavast.sqlite3* var/private/audit artifacts
