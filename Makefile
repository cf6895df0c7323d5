# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
NPM ?= npm
BIN = $(VENV)/bin
FRONTEND = frontend
DIST = $(FRONTEND)/dist
CHROMIUM ?= /usr/bin/chromium
# What the dashboard's build is made from: a newer file here means a rebuild.
FRONTEND_SOURCES = $(shell find $(FRONTEND)/src $(FRONTEND)/public -type f 2>/dev/null) \
	$(wildcard $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts $(FRONTEND)/tsconfig*.json $(FRONTEND)/package.json)

.PHONY: install run dashboard test test-embedded test-services test-frontend test-e2e bench clean

# The node plugins this repository ships, each its own distribution with its own suite.
PLUGINS = plugins/automateos-email plugins/automateos-slack

$(BIN)/.installed: setup.cfg pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	$(BIN)/pip install -q $(foreach plugin,$(PLUGINS),-e "$(plugin)[test]")
	touch $@

install: $(BIN)/.installed

## The dashboard's node_modules, exactly as locked (Node.js 20.19+ and npm).
$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json
	@command -v $(NPM) >/dev/null || { echo "npm not found: the dashboard needs Node.js 20.19 or newer (https://nodejs.org)"; exit 1; }
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund

## The dashboard's production build, rebuilt when missing or older than its sources.
$(DIST)/index.html: $(FRONTEND)/node_modules/.package-lock.json $(FRONTEND_SOURCES)
	cd $(FRONTEND) && $(NPM) run build
	touch $@

dashboard: $(DIST)/index.html

## run: the dashboard and the API on the embedded default (SQLite + in-process worker) at http://127.0.0.1:5000;
## `flask serve` starts the worker and the ticker in the web process (automateos/serve.py)
run: install dashboard
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi serve --host 127.0.0.1 --port 5000

## test: the whole suite on the embedded default, then again on PostgreSQL + Redis when
## DATABASE_URL and REDIS_URL are set (CI sets them: see .ci/run); then the dashboard's
## checks and its end-to-end suite in Chromium (on both backends likewise)
test: install test-embedded test-services test-frontend test-e2e

## Each plugin's suite runs from its own folder, as its CI would: its own pyproject.toml is
## the pytest config (rootdir) and its conftest.py loads the kit, not the project's tests/.
test-embedded: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest
	@for plugin in $(PLUGINS); do \
		echo "== $$plugin's suite =="; \
		(cd $$plugin && env -u DATABASE_URL -u REDIS_URL $(abspath $(BIN))/pytest) || exit 1; \
	done

test-services: install
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		echo "== suite on PostgreSQL + Redis =="; $(BIN)/pytest; \
	else echo "DATABASE_URL/REDIS_URL not set: skipping the PostgreSQL + Redis pass"; fi

## The dashboard: clean install from the lock, lint, types, unit tests, API types current, build,
## and the initial route's size budget (300 KB gzip).
test-frontend: install
	@command -v $(NPM) >/dev/null || { echo "npm not found: the dashboard needs Node.js 20.19 or newer"; exit 1; }
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	cd $(FRONTEND) && $(NPM) run lint
	cd $(FRONTEND) && $(NPM) run typecheck
	cd $(FRONTEND) && $(NPM) test
	cd $(FRONTEND) && $(NPM) run api:check
	cd $(FRONTEND) && $(NPM) run build
	cd $(FRONTEND) && $(NPM) run size -- --max-kb 300

## End to end in Debian's Chromium against the real app. A missing browser fails under CI.
test-e2e: install
	@if [ -x "$(CHROMIUM)" ]; then \
		cd $(FRONTEND) && $(NPM) run e2e; \
	elif [ "$$CI" = "true" ]; then \
		echo "Chromium is missing at $(CHROMIUM): install it with 'apt-get install -y chromium' (.ci/run does)"; exit 1; \
	else \
		echo "SKIPPED the end-to-end suite: Chromium is missing at $(CHROMIUM). Install it with: sudo apt-get install -y chromium"; \
	fi

## bench: our production stack, then n8n (../shared/peers/n8n), on the local PostgreSQL + Redis; prints the ratios (bench/README.md)
bench: install
	$(BIN)/python bench/vs_n8n.py

clean:
	rm -rf $(VENV) instance .pytest_cache $(DIST) $(FRONTEND)/test-results
