"""The simulated web crawled into a ClickHouse cluster (ZooKeeper + three clickhouse-server
18.16, cluster `lg`: s1 with two replicas, s2 with one) stores exactly the truth, and every
command gives on it the rows it gives on one clickhouse-server holding the same fetches
(authority included: the code-10 "Not found column toFloat64(ifNull(round(divide(multiply(100,
pagerank), _subquery..." of 18.16 clusters once scores exist is gone)."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from crawler.testweb import WebServer, build_web, truth
from pipelines.store import open_store
from tests.helpers.cluster_store import copy_fetches, output, run_in_process, settle
from tests.helpers.e2e import diff, linkgraph, seeds_file, stored, truth_links, truth_pages
from tests.helpers.servers import ClickHouseCluster, ClickHouseServer

pytestmark = [pytest.mark.server, pytest.mark.cluster]

WEB = (8, 30, 7)  # sites, pages per site, seed


def rows_of_every_command(
    store_args: list[str], domain: str, rivals: list[str], tmp: Path
) -> dict[str, Any]:
    jsonl = ["--format", "jsonl"]
    since = ["--since", "2000-01-01"]
    results: dict[str, Any] = {
        "backlinks": output(["backlinks", domain, *jsonl], store_args),
        "backlinks --min-authority": output(
            ["backlinks", domain, "--min-authority", "1", *jsonl], store_args
        ),
        "refdomains": output(["refdomains", domain, *jsonl], store_args),
        # A first page: candidates by refdomains_bounds, then the report on those alone.
        "refdomains --limit": output(["refdomains", domain, "--limit", "3", *jsonl], store_args),
        "anchors": output(["anchors", domain, *jsonl], store_args),
        "gap": output(["gap", domain, "--vs", rivals[0], "--vs", rivals[1], *jsonl], store_args),
        "broken": output(["broken", domain, *jsonl], store_args),
        "broken --prospects": output(
            ["broken", domain, "--prospects", "--vs", rivals[0], *jsonl], store_args
        ),
        "changes": output(["changes", domain, *since, *jsonl], store_args),
        "local": output(["local", domain, *jsonl], store_args),
        "toxicity": output(["toxicity", domain, "--links", *jsonl], store_args),
        "sql": output(
            [
                "sql",
                "SELECT src_domain, count() AS n FROM links GROUP BY src_domain "
                "ORDER BY src_domain",
                *jsonl,
            ],
            store_args,
        ),
        "authority": output(
            [
                "sql",
                "SELECT * FROM (SELECT 'domain' AS level, domain AS key, pagerank, harmonic, "
                "rank FROM domain_authority UNION ALL SELECT 'page' AS level, url AS key, "
                "pagerank, harmonic, rank FROM page_authority) ORDER BY level, key",
                *jsonl,
            ],
            store_args,
        ),
    }
    disavow = tmp / f"disavow-{uuid.uuid4().hex[:6]}.txt"
    run_in_process(["disavow", domain, "--min-score", "1", "--out", str(disavow), *store_args])
    results["disavow"] = [line for line in disavow.read_text().splitlines()
                          if not line.startswith("#")]  # fmt: skip
    report = tmp / f"report-{uuid.uuid4().hex[:6]}.html"
    run_in_process(["report", domain, "--html", str(report), "--vs", rivals[0], *store_args])
    # The report's header line names the time it was made; everything else must agree.
    results["report"] = [line for line in report.read_text().splitlines()
                         if "linkgraph report, " not in line]  # fmt: skip
    return results


@pytest.mark.timeout(900)  # a crawl, a copy, and every command twice, on a shared machine
def test_every_command_gives_the_same_rows_on_the_cluster(
    tmp_path: Path, ch_cluster: ClickHouseCluster, clickhouse: ClickHouseServer
) -> None:
    web = build_web(*WEB)
    records = list(truth(web))
    url = ch_cluster.url_for(f"t_{uuid.uuid4().hex[:12]}")
    cluster_args = ["--clickhouse", url, "--clickhouse-cluster", "lg"]
    data = tmp_path / "data"
    with WebServer(web) as server:
        linkgraph(["crawl", "--seeds-file", str(seeds_file(web, tmp_path)), *cluster_args,
                   "--data", str(data), "--workers", "2", "--proxy", server.proxy])  # fmt: skip
    settle(f"{url}?cluster=lg")
    pages, links = stored(f"{url}?cluster=lg")
    assert pages == truth_pages(records), diff(Counter(truth_pages(records).items()),
                                               Counter(pages.items()))  # fmt: skip
    assert links == truth_links(records), diff(truth_links(records), links)
    status = linkgraph(["status", "--data", str(data), *cluster_args]).stdout.splitlines()
    assert status[0].endswith(": done"), status

    single_url = clickhouse.url_for(f"t_{uuid.uuid4().hex[:12]}")
    single_args = ["--clickhouse", single_url]
    with open_store(f"{url}?cluster=lg") as source, open_store(single_url) as target:
        target.migrate()
        # Every page and link fetch, and a status-0 fetch for each URL robots.txt forbids.
        assert copy_fetches(source, target) == sum(1 for r in records if r["type"] in
                                                   ("page", "link", "blocked"))  # fmt: skip
    # Imported links, the same file into both stores.
    imported = tmp_path / "links.csv"
    domain = Counter(r["dst_domain"] for r in records if r["type"] == "link"
                     and r["src_domain"] != r["dst_domain"]).most_common(1)[0][0]  # fmt: skip
    # Dated (a Search Console export's Last crawled): an undated import is stamped with the
    # time it ran, which would differ between the two stores.
    imported.write_text(
        f"Linking page,Target page,Last crawled\nhttp://imported.example/a,http://{domain}/,"
        "2024-05-01\n"
    )
    for store_args in (cluster_args, single_args):
        run_in_process(["import", str(imported), "--format", "gsc", *store_args])
        run_in_process(["authority", *store_args])
    settle(f"{url}?cluster=lg")
    rivals = sorted({site.domain for site in web.sites} - {domain})[:2]
    on_cluster = rows_of_every_command(cluster_args, domain, rivals, tmp_path)
    on_one = rows_of_every_command(single_args, domain, rivals, tmp_path)
    assert on_cluster["backlinks"], "the domain has backlinks: the comparison can fail"
    assert on_cluster["authority"] and on_cluster["backlinks --min-authority"]
    assert on_cluster["refdomains --limit"] == on_cluster["refdomains"][:3]
    for command, rows in on_one.items():
        assert on_cluster[command] == rows, command
