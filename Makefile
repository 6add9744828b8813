# The two commands of the README. Both create the environment on first use.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml package.json
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the explorer, GraphiQL assets and HTTP-audit tests will be skipped"; fi
	@touch $(STAMP)

serve: $(STAMP)
	$(BIN)/tnr serve

test: $(STAMP)
	$(BIN)/ruff check graph api loaders queries exports briefings tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
