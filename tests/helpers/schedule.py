"""How `make test` spreads tests/integration and tests/e2e over its processes (pytest-xdist
`--dist loadgroup --no-loadscope-reorder`).

A unit of work is a file (its module fixtures are set up once), except:
- every test on the ClickHouse cluster (`ch_cluster`: ZooKeeper and three clickhouse-servers)
  is one unit, so one process starts the cluster, not each;
- every test on the analysis web (`analysis_web`) is one unit, so one process crawls it (per
  engine), not each.

Units are sent longest first, so the last minutes are not one long file running alone while
the other processes idle (xdist's default order is by test count). The weights are seconds
measured in a parallel run (4 processes, 2 cores): only their order matters; a file not listed
goes after them, in collection order.
"""

from __future__ import annotations

import pytest

CLUSTER_UNIT = "ch-cluster"
ANALYSIS_UNIT = "analysis-web"

WEIGHTS = {
    ANALYSIS_UNIT: 580,
    CLUSTER_UNIT: 380,
    "tests/e2e/test_faults_store.py": 283,
    "tests/integration/test_authority_converged.py": 261,
    "tests/e2e/test_serve_api.py": 250,
    "tests/e2e/test_lost_reasons_crawl.py": 223,
    "tests/e2e/test_watch.py": 168,
    "tests/e2e/test_backlinks_shortlist.py": 168,
    "tests/e2e/test_faults_crawl.py": 123,
    "tests/e2e/test_cli_runs.py": 106,
    "tests/e2e/test_toxicity_spam.py": 104,
    "tests/e2e/test_queries.py": 100,
    "tests/e2e/test_serve_crawl.py": 79,
    "tests/e2e/test_frontier_shards_crawl.py": 78,
    "tests/e2e/test_runbook.py": 70,
    "tests/e2e/test_e2e_crawl.py": 70,
    "tests/integration/test_frontier_failover.py": 67,
    "tests/integration/test_hostile_store.py": 65,
    "tests/integration/test_import.py": 62,
    "tests/e2e/test_hostile_host.py": 54,
    "tests/integration/test_bench_store.py": 53,
    "tests/e2e/test_serve_api_crawl.py": 52,
    "tests/e2e/test_contacts.py": 50,
    "tests/e2e/test_hostile_resume.py": 44,
}


def unit_of(item: pytest.Item) -> str:
    """The unit of work `item` belongs to: a file, or one of the shared-fixture units."""
    names = getattr(item, "fixturenames", ())
    if "ch_cluster" in names:
        return CLUSTER_UNIT
    if "analysis_web" in names:
        return ANALYSIS_UNIT
    return item.nodeid.split("::", 1)[0]


def schedule(items: list[pytest.Item]) -> None:
    """Mark each item with its unit (`xdist_group`) and put the longest units first."""
    for item in items:
        item.add_marker(pytest.mark.xdist_group(unit_of(item)))
    items.sort(key=lambda item: -WEIGHTS.get(unit_of(item), 0))  # stable: the rest in order
