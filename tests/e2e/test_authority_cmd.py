"""`linkgraph authority` on the simulated web: the stored scores are compute_authority's.

The simulated web is crawled once per session and engine with the CLI (`analysis_web`, shared
with the toxicity and report tests), on chDB and on clickhouse-server 18.16; the expected scores
come from the ground truth's links alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from crawler.analysis.authority import (
    KEY_COLUMNS,
    LEVELS,
    compute_authority,
    level_graphs,
    trustrank,
)
from crawler.analysis.graph import LinkGraph
from crawler.records import OutLink, Page
from crawler.urls.canonical import domain_of
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb, Engine, crawled_web, linkgraph, sql_rows


def _truth_graph(records: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[str]]:
    links = [(r["src_url"], r["dst_url"]) for r in records if r["type"] == "link"]
    pages = [r["url"] for r in records if r["type"] == "page"]
    return links, pages


def _latest(args: Sequence[str], level: str) -> list[dict[str, Any]]:
    table, key = f"{level}_authority", KEY_COLUMNS[level]
    return sql_rows(
        args,
        f"SELECT {key} AS name, pagerank, harmonic, rank, trustrank FROM {table} "
        f"WHERE computed_at = (SELECT max(computed_at) FROM {table}) ORDER BY {key}",
    )


def test_authority_tables_equal_compute_authority_on_the_truth(
    analysis_web: CrawledWeb, tmp_path: Path
) -> None:
    web, records, args, _ = analysis_web
    links, pages = _truth_graph(records)
    expected = compute_authority(links, pages)
    seeds_file = tmp_path / "trusted.txt"
    trusted = web.sites[0].home
    seeds_file.write_text(f"# trusted\n{trusted}\n{domain_of(web.sites[1].home)}\n")
    linkgraph(["authority", *args, "--trust-seeds", str(seeds_file)])
    graph = LinkGraph.from_names(links, pages)
    graphs = level_graphs(graph)
    for level in LEVELS:
        rows = _latest(args, level)
        want = expected[level]
        assert [r["name"] for r in rows] == want.names.tolist(), level
        got = {k: np.array([r[k] for r in rows]) for k in ("pagerank", "harmonic", "trustrank")}
        np.testing.assert_allclose(got["pagerank"], want.pagerank, rtol=0, atol=1e-9)
        np.testing.assert_allclose(got["harmonic"], want.harmonic, rtol=0, atol=1e-9)
        ranks = np.array([r["rank"] for r in rows])
        assert ranks.tolist() == want.rank.tolist()
        assert sorted(ranks.tolist()) == list(range(1, len(rows) + 1))
        by_rank = got["pagerank"][np.argsort(ranks)]
        assert np.all(np.diff(by_rank) <= 0), f"{level}: rank does not follow pagerank"
        g = graphs[level]
        assert g.names is not None
        names = g.names.tolist()
        seed_ids = _seed_ids(level, names, trusted, domain_of(web.sites[1].home))
        np.testing.assert_allclose(got["trustrank"], trustrank(g, seed_ids), rtol=0, atol=1e-9)
        assert abs(got["trustrank"].sum() - 1) < 1e-9


def _seed_ids(level: str, names: list[str], url: str, domain: str) -> list[int]:
    from crawler.urls.canonical import host_of, registrable_domain

    def seeded(name: str) -> bool:
        if level == "page":
            return name == url or domain_of(name) == domain
        if level == "host":
            return name == host_of(url) or registrable_domain(name) == domain
        return name in (domain_of(url), domain)

    return [i for i, name in enumerate(names) if seeded(name)]


def test_bad_trust_seeds_line_names_file_and_line(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    args = crawled_web(tmp_path_factory).args
    seeds_file = tmp_path / "trusted.txt"
    seeds_file.write_text("# fine\nexample.com\nnot a seed\n")
    proc = linkgraph(["authority", *args, "--trust-seeds", str(seeds_file)], check=False)
    assert proc.returncode == 2
    assert f"{seeds_file}:3: neither a URL nor a domain" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_authority_on_a_store_older_than_migration_005(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A store from before the authority tables: a report query, then `linkgraph authority`
    with trust seeds, both through the CLI; the tables are migration 005's (with trustrank)."""
    import pipelines.store_base as store_module

    every = store_module.migrations()
    # 009 alters the 005 tables and 012 reads them: a store that predates 005 predates both.
    older = [m for m in every if m.version not in (5, 9, 12)]
    monkeypatch.setattr(store_module, "migrations", lambda: older)
    pages = ["http://a.com/", "http://b.org/", "http://c.net/"]
    with open_store(engine.target) as store:
        store.migrate()
        store.insert(
            [Page(url=u, host=u[7:-1], domain=u[7:-1], status=200, fetched_at=1e9) for u in pages],
            [_link(src, dst) for src, dst in zip(pages, pages[1:] + pages[:1], strict=True)],
        )
    report = linkgraph(["backlinks", "b.org", *engine.args, "--format", "jsonl"]).stdout
    assert '"src_url": "http://a.com/"' in report
    seeds = tmp_path / "trusted.txt"
    seeds.write_text("a.com\n")
    linkgraph(["authority", *engine.args, "--trust-seeds", str(seeds)])
    rows = _latest(engine.args, "domain")
    assert [r["name"] for r in rows] == ["a.com", "b.org", "c.net"]
    assert [r["rank"] for r in rows] == [1, 2, 3]  # a cycle: equal scores, ties by name
    assert sum(r["trustrank"] for r in rows) == pytest.approx(1.0)
    assert rows[0]["trustrank"] > rows[2]["trustrank"]  # the seed before the page it reaches last
    seeds_shown = sql_rows(
        engine.args, "SELECT domain, trust_seed FROM domain_authority ORDER BY 1"
    )
    assert seeds_shown == [
        {"domain": d, "trust_seed": int(d == "a.com")} for d in ("a.com", "b.org", "c.net")
    ]


def _link(src: str, dst: str) -> OutLink:
    return OutLink(
        src_url=src, dst_url=dst, src_host=src[7:-1], src_domain=src[7:-1], dst_host=dst[7:-1],
        dst_domain=dst[7:-1], is_external=True, fetched_at=1e9,
    )  # fmt: skip
