"""How `make test` spreads tests/integration and tests/e2e over its processes (pytest-xdist
`--dist loadfile`, with the scheduler of tests/conftest.py's `pytest_xdist_make_scheduler`).

A unit of work is a file (its module fixtures are set up once), except:
- the files with tests on the ClickHouse cluster (`ch_cluster`: ZooKeeper and three
  clickhouse-servers) are one unit, so one process starts the cluster, not each;
- the files with tests on the analysis web (`analysis_web`) are one unit, so one process crawls
  it on clickhouse-server, not each (the chDB crawl is shared anyway: tests/helpers/e2e.py).

The units are named from node ids alone, as the scheduler (in the controlling process, which
collects nothing) sees only those: `check_units` fails the collection when a test uses one of
those fixtures from a file not listed here. (pytest-xdist's own `--dist loadgroup` marks cannot
do it: it renames items through `_nodeid`, which pytest 9 no longer reads.)

Units are sent longest first, so the last minutes are not one long file running alone while
the other processes idle (xdist's default order is by test count). The weights are seconds
measured in a parallel run (4 processes, 2 cores): only their order matters; a file not listed
goes after them, in collection order.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadScopeScheduling

CLUSTER_UNIT = "ch-cluster"
ANALYSIS_UNIT = "analysis-web"

UNIT_FILES = {
    CLUSTER_UNIT: frozenset(
        {
            "tests/e2e/test_cluster_commands.py",
            "tests/e2e/test_cluster_faults.py",
            "tests/e2e/test_cluster_replica_kill.py",
            "tests/integration/test_cluster_schema.py",
            "tests/integration/test_cluster_store.py",
            "tests/integration/test_servers.py",
            "tests/integration/test_store.py",
        }
    ),
    ANALYSIS_UNIT: frozenset(
        {
            "tests/e2e/test_authority_cmd.py",
            "tests/e2e/test_authority_scale.py",
            "tests/e2e/test_paging.py",
            "tests/e2e/test_profile_lists.py",
            "tests/e2e/test_target_modes.py",
            "tests/e2e/test_toxicity.py",
        }
    ),
}
UNIT_FIXTURES = {CLUSTER_UNIT: "ch_cluster", ANALYSIS_UNIT: "analysis_web"}

WEIGHTS = {
    ANALYSIS_UNIT: 580,
    CLUSTER_UNIT: 300,
    "tests/e2e/test_faults_store.py": 283,
    "tests/integration/test_authority_converged.py": 261,
    "tests/e2e/test_serve_api.py": 250,
    "tests/e2e/test_lost_reasons_crawl.py": 223,
    "tests/e2e/test_watch.py": 168,
    "tests/e2e/test_backlinks_shortlist.py": 168,
    "tests/e2e/test_faults_crawl.py": 123,
    "tests/e2e/test_cli_runs.py": 106,
    "tests/e2e/test_serve_concurrency.py": 45,
    "tests/e2e/test_toxicity_spam.py": 104,
    "tests/e2e/test_queries.py": 100,
    "tests/e2e/test_serve_crawl.py": 79,
    "tests/e2e/test_frontier_shards_crawl.py": 78,
    "tests/e2e/test_refdomains_page.py": 57,
    "tests/e2e/test_runbook.py": 70,
    "tests/e2e/test_e2e_crawl.py": 70,
    "tests/integration/test_frontier_failover.py": 67,
    "tests/e2e/test_cluster_failover_crawl.py": 57,
}


def unit_of(nodeid: str) -> str:
    """The unit of work of the test `nodeid`: its file, or the unit its file belongs to."""
    path = nodeid.split("::", 1)[0]
    for unit, files in UNIT_FILES.items():
        if path in files:
            return unit
    return path


def check_units(items: list[pytest.Item]) -> list[str]:
    """The tests that use a unit's fixture from a file the unit does not list."""
    return [
        item.nodeid
        for item in items
        for unit, fixture in UNIT_FIXTURES.items()
        if fixture in getattr(item, "fixturenames", ()) and unit_of(item.nodeid) != unit
    ]


def order(items: list[pytest.Item]) -> None:
    """The longest units first; the rest keep their order (the sort is stable)."""
    items.sort(key=lambda item: -WEIGHTS.get(unit_of(item.nodeid), 0))


class UnitScheduling(LoadScopeScheduling):
    """xdist's per-file scheduling (`--dist loadfile`) over the units of `unit_of`."""

    def _split_scope(self, nodeid: str) -> str:
        return unit_of(nodeid)
