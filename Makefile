# The README's two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export METAVAST_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test install lint format bench browser-deps fonts clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

fonts:
	@scripts/fetch_font.sh

# Debian's chromium for the browser tests; Playwright never downloads its own browser.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium" >&2; fi; }

run: install fonts
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py bootstrap_admin
	@echo "Metavast: http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 2 --threads 4 \
	  --access-logfile - --log-level warning

test: install fonts browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install fonts
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf var/static var/metavast.sqlite3* artifacts
