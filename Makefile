# linkgraph: the README's commands. `make setup` is idempotent and fast once done.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
DEMO_DATA ?= demo-out

.PHONY: setup demo test test-fast bench lint servers clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml setup.py $(wildcard crawler/*/_fast*.pyx crawler/*/_fast*.pxd crawler/*/_fast*.pxi pipelines/_fast*.pyx)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	$(BIN)/python -c "import crawler.extract._fastlinks, crawler.extract._fastnames, crawler.urls._fasturls, pipelines._fastcolumns"  # built: the C-speed paths
	touch $(STAMP)

# Debian's redis-server and clickhouse-server, for the distributed tests, and chromium, which
# renders the HTML report in tests/e2e/test_report.py (CI runs as root).
servers:
	@if ! command -v redis-server >/dev/null || ! test -x /usr/sbin/clickhouse-server \
			|| ! command -v chromium >/dev/null || ! test -f /usr/share/java/zookeeper.jar ; then \
		echo "installing Debian packages: redis-server clickhouse-server chromium zookeeper"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			redis-server clickhouse-server chromium zookeeper >/dev/null; \
	fi

demo: setup
	$(BIN)/python -m crawler.cli.demo --out $(DEMO_DATA)

# The suite in three runs, each reported, all run even when one fails: tests/unit on both cores;
# tests/integration and tests/e2e on TEST_WORKERS processes, a file per process but the units of
# tests/helpers/schedule.py, longest first (most of their time is spent waiting on politeness
# delays, lease expiry, failovers and server start-up, so more processes than cores pay); then the
# tests marked `serial` (they assert elapsed time) alone, so no neighbour's load skews them. `pytest` alone still runs everything in one process.
TEST_WORKERS ?= 4
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
test: setup servers
	@rc=0; \
	$(PYTEST) -n 2 -m "not serial" tests/unit || rc=1; \
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder -m "not serial" \
		tests/integration tests/e2e || rc=1; \
	$(PYTEST) -m serial tests || rc=1; \
	exit $$rc

# tests/unit only: no server process, no chDB, no crawl (tests/unit/conftest.py fails a test that
# starts one), on both cores (pytest-xdist); the property tests at a fifth of their examples
# (tests/helpers/examples.py), which `make test` runs in full.
test-fast: setup
	TEST_EXAMPLES_SCALE=0.2 $(PYTEST) -n 2 tests/unit

bench: setup servers
	$(BIN)/python -m bench

lint: setup
	$(BIN)/ruff check crawler pipelines schema tests bench
	$(BIN)/ruff format --check crawler pipelines schema tests bench
	$(BIN)/mypy crawler pipelines

clean:
	rm -rf $(VENV) $(DEMO_DATA) linkgraph-data
