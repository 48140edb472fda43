# Two commands do all set-up on a fresh machine: `make up` runs the system, `make test` tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test test-quick test-postgres check events demo bench lint typecheck verify clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/licensing up

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# The PostgreSQL tests alone, on the server named (default: the local one, trust auth).
test-postgres: $(STAMP)
	LICENSING_TEST_POSTGRES_URL=$${LICENSING_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q -m postgres

demo: $(STAMP)
	rm -rf var/demo && $(BIN)/licensing demo --data-dir var/demo

bench: $(STAMP)
	$(BIN)/python -m bench

# What CI checks before the tests: lint, format and strict types on shared/ and services/.
check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff check shared services licensing tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict shared services licensing

# EVENTS.md is written from the event contracts (a test fails when it is stale).
events: $(STAMP)
	$(BIN)/python -m shared.contracts.catalogue > EVENTS.md

verify: $(STAMP)
	$(BIN)/licensing verify

clean:
	rm -rf $(VENV) var .pytest_cache
