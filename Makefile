# Two commands do all set-up on a fresh machine: `make up` runs the system, `make test` tests it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test test-quick test-postgres check events demo bench bench-quick profile lint typecheck verify clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/licensing up

test: $(STAMP)
	$(BIN)/python -m pytest -q --durations=15

test-quick: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# The PostgreSQL tests alone, on the server named (default: the local one, trust auth).
test-postgres: $(STAMP)
	LICENSING_TEST_POSTGRES_URL=$${LICENSING_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test} \
		$(BIN)/python -m pytest -q -m postgres

demo: $(STAMP)
	rm -rf var/demo && $(BIN)/licensing demo --data-dir var/demo

# BENCHMARKS.md: every target against its limit and its peer, measured in the same run.
bench: $(STAMP)
	$(BIN)/python -m bench

# The same, each part brief (under 5 minutes on an idle 2-core machine).
bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

# Where the time goes: py-spy on intake under load, the command path and a rebuild.
profile: $(STAMP)
	$(BIN)/python -m bench.profile intake command rebuild

# What CI checks before the tests: lint (ruff) and strict types (mypy) on shared/, services/ and licensing/.
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
