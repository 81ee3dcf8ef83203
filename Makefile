# Quick start: `make demo` and `make test`. Both create .venv with python3 and install into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.receiptkit-installed
EXTRAS ?= dev,dask,plot,ocr

.PHONY: install demo test lint format bench clean node-tools

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/receiptkit demo --out receiptkit-demo

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests examples benchmarks
	$(BIN)/ruff check --fix src tests examples benchmarks

# npm `npos` (an independent ESC/POS parser that decodes GB18030) for tests/slip; git-ignored.
# --ignore-scripts: its optional native USB module is not needed to parse bytes.
NPOS := tests/.node/node_modules/npos/package.json
$(NPOS):
	@if command -v npm >/dev/null 2>&1; then \
		mkdir -p tests/.node && npm install --silent --no-audit --no-fund --ignore-scripts --prefix tests/.node npos@0.1.19; \
	else echo "node-tools: npm not found; the ESC/POS decoder test will be skipped"; fi

node-tools: $(NPOS)

test: lint node-tools
	$(BIN)/python -m pytest src tests examples

# the bench extra adds recordlinkage for the side-by-side comparison in bench_matching.py
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS),bench]"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) receiptkit-demo .pytest_cache
