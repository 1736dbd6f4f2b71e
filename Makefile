# Borne PLUS. Two commands on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= $(CURDIR)/data
STAMP := $(VENV)/.installed

# Kivy must not write ~/.kivy nor eat command-line arguments.
export KIVY_HOME := $(CURDIR)/.kivy
export KIVY_NO_ARGS := 1
export KIVY_NO_CONSOLELOG := 1
export KIVY_NO_FILELOG := 1
# Run under libfaketime (`faketime DATE make test`, to try another day), the monotonic clock must
# stay real: Python's timed waits compare a faked deadline with the kernel's clock and never end.
export DONT_FAKE_MONOTONIC := 1
export FAKETIME_DONT_FAKE_MONOTONIC := 1
# ...and Python's time.sleep needs a shim there (tests/faketime/sitecustomize.py says why)
ifneq (,$(findstring faketime,$(LD_PRELOAD)))
export PYTHONPATH := $(CURDIR)/tests/faketime$(if $(PYTHONPATH),:$(PYTHONPATH))
endif

.PHONY: demo test fuzz bench system venv lint clean

system:
	.ci/install-system

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[gui,test]'
	touch $@

venv: $(STAMP)

demo: system venv
	KIOSK_DATA_DIR=$(DATA) $(BIN)/kiosk demo

# The whole suite, once, against SQLite and PostgreSQL; fails if either backend ran no test.
# Three workers on the 2-core machine (a UI test waits for sounds, idle delays and frames: a
# third worker fills those waits), stealing work from each other, the long tests dealt to the
# head of each (tests/conftest.py). Measured here, quiet: 2 workers by file 9 min 54 s, 3
# stealing work 7 min 22 s then; 6 min 14 s for 1,306 tests on 2026-12-08.
JOBS ?= 3
test: system venv
	.ci/with-services env KIOSK_REQUIRE_BACKENDS=sqlite,postgresql \
		$(BIN)/python -m pytest -n $(JOBS) --dist worksteal -p no:cacheprovider $(PYTEST_ARGS) tests

# The fuzz tests (tests/fuzz) alone, with random examples and ten times as many (minutes, not in
# `make test`). A failure prints the example and a @reproduce_failure(...) line to replay it:
# see tests/fuzz/harness.py.
fuzz: system venv
	.ci/with-services env KIOSK_REQUIRE_BACKENDS=sqlite,postgresql KIOSK_FUZZ_PROFILE=fuzz \
		$(BIN)/python -m pytest -p no:cacheprovider tests/fuzz

lint: venv
	$(BIN)/ruff check kiosk db screens tests
	$(BIN)/mypy

bench: system venv
	.ci/with-services $(BIN)/python -m tests.perf.run

clean:
	rm -rf $(VENV) .kivy .pytest_cache tests/screenshots tests/perf/reports
