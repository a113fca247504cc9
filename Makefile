# cyberkg — the two set-up commands are `make run` and `make test`; both work on a fresh machine
# with Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: setup run test check lint typecheck bench bench-backends bench-10m browser stores clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make run: set up, build the graph, write build/cyberkg.ttl (with the derived triples, so every
## .rq file runs on it as it stands in any SPARQL store) and the analyst's brief build/report.html,
## then print the gaps as of the brief's date and today
run: setup
	@$(BIN)/cyberkg build
	@$(BIN)/cyberkg export --format turtle --derived -o build/cyberkg.ttl
	@$(BIN)/cyberkg report --as-of today -o build/report.html
	@echo
	@$(BIN)/cyberkg summary --as-of 2020-11-26 --as-of today
	@echo
	@echo "The analyst's brief: $(CURDIR)/build/report.html (one file, opens offline; cyberkg report --format pdf prints it)"

## make test: set up (Python packages and the browser the view tests drive), check lint and types,
## and run the test suite
test: setup browser stores lint typecheck
	$(BIN)/python -m pytest -q

browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; } || { \
	  echo "installing Debian's chromium (browser tests, report --format pdf) and poppler-utils (PDF pages to images)"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; fi; }

## the SPARQL stores of the store matrix (Debian's Virtuoso and Jena; each test starts and stops its own)
stores:
	@bash tools/ci-stores.sh install

check: lint typecheck

lint: setup
	$(BIN)/ruff check src tests bench

typecheck: setup
	$(BIN)/mypy

bench: setup  ## issue #20's targets side by side (240k user level, 1M library level), into docs/bench.md and README
	$(BIN)/python bench/targets.py --sizes 1M --user 240k --doc docs/bench.md --doc README.md

bench-backends: setup  ## every size on every backend (rdflib memory, oxrdflib, pyoxigraph) and the formulations
	$(BIN)/python bench/run.py

bench-10m: setup  ## the 10M tier (generation, load, gap query, export, peak memory) into docs/bench.md; stops an operation past 15 GB
	$(BIN)/python bench/targets.py --sizes 10M --user "" --limit 1800 --max-mb 15000 --out build/bench/10M --doc docs/bench.md

clean:
	rm -rf build
