# The two set-up commands are `make run` and `make test`; both install what they need.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
GATEWAY_DATABASE_URL ?= sqlite:///$(CURDIR)/var/gateway.db
export GATEWAY_DATABASE_URL

.PHONY: install run test test-sqlite lint typecheck bench check wsdl clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found"; exit 2; }
	tools/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: install
	$(BIN)/gateway db upgrade
	$(BIN)/gateway demo --if-empty
	$(BIN)/gateway serve --bind $${GATEWAY_BIND:-127.0.0.1:8080}

# Runs every test on SQLite and, where PostgreSQL is reachable (127.0.0.1:5432 by default, or
# GATEWAY_TEST_POSTGRES_URL), on PostgreSQL too. In CI (CI=true) PostgreSQL is mandatory.
# Two pytest-xdist workers (the whole suite on SQLite: ~83 s against ~110 s in one process on a
# 2-core machine); `make test PYTEST_WORKERS=0` runs it in one process. Tests marked
# xdist_group share a worker, so they never run at the same time as each other.
# GATEWAY_TRANSITION_COVERAGE=1: the session fails unless the live-server tests drive every RTA
# lifecycle row (tests/e2e/transitions.py); a developer running one file only sees the count.
PYTEST_WORKERS ?= 2
test: install
	GATEWAY_TRANSITION_COVERAGE=1 $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup

lint: install
	$(BIN)/ruff format --check gateway tests bench tools
	$(BIN)/ruff check gateway tests bench tools

typecheck: install
	$(BIN)/mypy gateway

# The bench extra (spyne, the peer of the SOAP benchmark) is installed only here.
bench: install
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/run.py

wsdl: install
	$(BIN)/python tools/gen_wsdl.py

check: lint typecheck test

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
