# Two commands from a fresh clone: `make demo` and `make test`. Each bootstraps what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The exact versions tested (constraints.txt) install the same environment everywhere;
# `make lock` rewrites it from the current environment after a dependency change.
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=
# Debian packages the browser, report and PDF tests use (Chromium for Playwright and the PDF,
# fonts with Vietnamese diacritics, pdfinfo/pdftoppm to check the PDFs).
SYSTEM_PACKAGES := chromium fonts-noto-core fonts-dejavu-core poppler-utils

.PHONY: demo test lint typecheck unit bench chaos clean venv services system lock audit

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

lock: venv
	$(BIN)/python -m pip freeze --exclude-editable --exclude loa > constraints.txt

services:
	@sh .ci/services

system:
	@sh .ci/system $(SYSTEM_PACKAGES)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: venv services system
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test: lint typecheck unit audit

# Known vulnerabilities in the dependencies fail; an unreachable service is said and skipped.
audit: venv
	@BIN=$(BIN) sh .ci/audit

# The long chaos runs whose figures docs/RELIABILITY.md records (a short one runs in `unit`).
chaos: venv services
	$(BIN)/python -m bench.chaos --database postgres --workers 3 --count 2000 --kills 60 --quiet
	$(BIN)/python -m bench.chaos --database sqlite --workers 1 --count 2000 --kills 20 --quiet

demo: venv system
	$(BIN)/loa demo

bench: venv services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .loa .pytest_cache .mypy_cache .ruff_cache
