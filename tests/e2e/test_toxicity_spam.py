"""Toxicity against the planted spam network's truth (crawler.testweb.spam): spam referring
domains of the targets score above the natural ones, on chDB and on clickhouse-server 18.16."""

from __future__ import annotations

import statistics

import pytest

from crawler.analysis.toxicity import score_domain
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb
from tests.helpers.spam_web import auc, crawled_spam_web

MIN_AUC = 0.95
NATURAL_MEDIAN_MAX = 10.0
NATURAL_ABOVE_SPAM_MAX = 0.05  # natural domains scoring as high as the lowest spam one


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def spam_web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> CrawledWeb:  # fmt: skip
    server = request.getfixturevalue("clickhouse") if request.param == "server" else None
    return crawled_spam_web(tmp_path_factory, server)


def test_spam_scores_above_natural_links(spam_web: CrawledWeb) -> None:
    web, records, _, target = spam_web
    network = web.spam
    assert network is not None
    spam: dict[tuple[str, str], float] = {}
    natural: dict[tuple[str, str], float] = {}
    store = open_store(target)
    try:
        for site in network.targets:
            for d in score_domain(store, site.domain).domains:
                kind = network.kinds.get(d.ref_domain)
                (spam if kind else natural)[(site.domain, d.ref_domain)] = d.score
    finally:
        store.close()
    # Every referring domain of the truth was scored, labelled by the truth.
    truth_pairs = {(r["dst_domain"], r["src_domain"]) for r in records if r["type"] == "link"
                   and r["dst_domain"] in {t.domain for t in network.targets}
                   and r["src_domain"] != r["dst_domain"]}  # fmt: skip
    assert set(spam) | set(natural) == truth_pairs
    assert {d for _, d in spam} == set(network.kinds)
    assert {d for _, d in natural} <= network.natural and natural
    area = auc(list(spam.values()), list(natural.values()))
    median = statistics.median(natural.values())
    lowest = min(spam.values())
    above = sorted(pair for pair, score in natural.items() if score >= lowest)
    print(
        f"toxicity AUC {area:.4f} ({len(spam)} spam, {len(natural)} natural referring domains "
        f"of {len(network.targets)} targets); natural median {median:g}, max "
        f"{max(natural.values()):g}; spam min {lowest:g}; natural >= spam min: {len(above)}"
    )
    assert area >= MIN_AUC
    assert median <= NATURAL_MEDIAN_MAX
    assert len(above) <= NATURAL_ABOVE_SPAM_MAX * len(natural), above
