# The two commands a new machine needs:
#   make run    the service on the embedded default (SQLite in ./data), with demo data
#   make test   the test suite (PostgreSQL tests skip when it is unreachable, except under CI)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test test-dates test-install lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

run: $(BIN)/python
	$(BIN)/pip install --quiet .
	$(BIN)/closewatch serve --demo

# Two processes for the suite; then the fault tests alone, as they time failovers and outages.
test: test-install
	$(BIN)/pytest -q -n 2 -m "not faults"
	$(BIN)/pytest -q -m faults

# The suite again at four shifted dates, under Debian's faketime (see the script).
test-dates: test-install
	tests/run_at_dates.sh

# A regular (non-editable) install, so the tests exercise the package as users get it.
test-install: $(BIN)/python
	$(BIN)/pip install --quiet --force-reinstall --no-deps . && $(BIN)/pip install --quiet '.[test]'

# The test extras carry ruff and mypy; test-install runs once however many of test, test-dates,
# lint and typecheck one `make` is given (as .ci/run gives them).
lint: typecheck
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

# mypy --strict over calendars, monitor and notifiers (settings in pyproject.toml's [tool.mypy]).
typecheck: test-install
	$(BIN)/mypy

bench: $(BIN)/python
	$(BIN)/python tests/bench/calendar_bench.py
	$(BIN)/python tests/bench/probe_bench.py
	$(BIN)/python tests/bench/fanout_bench.py
	$(BIN)/python tests/bench/stall_bench.py
	$(BIN)/python tests/bench/subscription_bench.py
	$(BIN)/python tests/bench/cli_bench.py

clean:
	rm -rf $(VENV) build dist *.egg-info
