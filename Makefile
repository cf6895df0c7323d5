# Two commands do everything on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
SERVICES_ENV = DATABASE_URL REDIS_URL

.PHONY: install run test test-embedded test-services clean

$(BIN)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(BIN)/.installed

## run: the app on the embedded default (SQLite + in-process worker) at http://127.0.0.1:5000
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi run --host 127.0.0.1 --port 5000

## test: the whole suite on the embedded default, then again on PostgreSQL + Redis when
## DATABASE_URL and REDIS_URL are set (CI sets them: see .ci/run)
test: install test-embedded test-services

test-embedded: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest

test-services: install
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		echo "== suite on PostgreSQL + Redis =="; $(BIN)/pytest; \
	else echo "DATABASE_URL/REDIS_URL not set: skipping the PostgreSQL + Redis pass"; fi

clean:
	rm -rf $(VENV) instance .pytest_cache
