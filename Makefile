# Two commands set up everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP_QUIET := --quiet --disable-pip-version-check

.PHONY: demo test lint serve bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install $(PIP_QUIET) --config-settings editable_mode=compat -e ".[test]" 2>&1 | { grep -v "^WARNING: Location" || true; }
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/sufficiency demo --out out

# The static checks (style and imports, the layering contracts, types of the core) run before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider

serve: $(STAMP)
	$(BIN)/sufficiency serve

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) out build *.egg-info
