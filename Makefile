# The two commands of the README. Both create the environment on first use.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test test-embedded test-neo4j lint bench neo4j browser clean

$(STAMP): pyproject.toml package.json
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11+ is needed: set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@if command -v npm >/dev/null; then npm install --no-audit --no-fund --loglevel=error; \
	 else echo "npm not found: the explorer, GraphiQL assets and HTTP-audit tests will be skipped"; fi
	@$(MAKE) --no-print-directory browser
	@touch $(STAMP)

# The browser tests drive Debian's chromium (no browser download): installed here as root
# through apt, as CI runs; elsewhere the tests are skipped and say how to enable them.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	 elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	   echo "installing Debian's chromium for the browser tests (apt-get)"; \
	   { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/dev/null \
	   || echo "apt-get could not install chromium: the browser tests will be skipped"; \
	 else echo "no /usr/bin/chromium: the browser tests will be skipped (enable them with: sudo apt-get install chromium)"; fi

serve: $(STAMP)
	$(BIN)/tnr serve

# The whole suite twice: on the embedded engine, then on a real Neo4j 5.26 (started by
# graph/neo4j_server.py where Java 17+ and Maven are here, or the one NEO4J_URI names).
test: $(STAMP)
	$(BIN)/ruff format --check graph api cli loaders queries exports briefings tests benchmarks scripts
	$(BIN)/ruff check graph api cli loaders queries exports briefings tests benchmarks scripts
	$(BIN)/mypy
	@$(MAKE) --no-print-directory test-embedded
	@$(MAKE) --no-print-directory test-neo4j

test-embedded: $(STAMP)
	@echo "== the suite on the embedded engine (ArcadeDB) =="
	env -u NEO4J_URI $(BIN)/pytest -m "not neo4j" $(PYTEST_ARGS)

test-neo4j: $(STAMP)
	@echo "== the suite on Neo4j =="
	$(BIN)/python -m graph.neo4j_server run -- $(BIN)/pytest -m "not embedded" $(PYTEST_ARGS)

# A local Neo4j 5.26 for development (data in TNR_DATA_DIR/neo4j), until Ctrl-C.
neo4j: $(STAMP)
	$(BIN)/python -m graph.neo4j_server serve

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache neo4j-launcher/target
