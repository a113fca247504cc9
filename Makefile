# cyberkg — the two set-up commands are `make run` and `make test`; both work on a fresh machine
# with Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test check lint typecheck bench browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: set up, build the graph, print the gap analysis as of the brief's date and today,
## write build/cyberkg.ttl and the analyst's report build/report.html
run: setup
	$(BIN)/cyberkg build
	$(BIN)/cyberkg gaps --as-of 2020-11-26
	@echo
	$(BIN)/cyberkg gaps --as-of today
	$(BIN)/cyberkg export --format turtle -o build/cyberkg.ttl
	$(BIN)/cyberkg report --as-of today -o build/report.html
	@echo "The analyst's report: $(CURDIR)/build/report.html (one file, opens offline in any browser)"

## make test: set up (Python packages and the browser the view tests drive), check lint and types,
## and run the test suite
test: setup browser lint typecheck
	$(BIN)/python -m pytest -q

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

check: lint typecheck

lint: setup
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf build
