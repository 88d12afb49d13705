"""The simulated web with its planted spam network (crawler.testweb.spam), crawled once per test
session and engine, and the figures the toxicity tests hold it to."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from crawler.testweb import build_web
from tests.helpers.e2e import CrawledWeb, crawled_web
from tests.helpers.servers import ClickHouseServer

SPAM_WEB = (12, 40, 7)  # sites, pages per site, seed: the analysis web, plus the network


def crawled_spam_web(
    factory: pytest.TempPathFactory, clickhouse: ClickHouseServer | None = None
) -> CrawledWeb:
    """The web with its spam network crawled with the CLI, then `linkgraph authority` run:
    into chDB under a --data directory, or into clickhouse-server."""
    return crawled_web(factory, clickhouse, build_web(*SPAM_WEB, spam=True), "spam_web")


def auc(positive: Sequence[float], negative: Sequence[float]) -> float:
    """The probability that a positive scores above a negative (ties count half): the area
    under the ROC curve, by counting pairs.

    >>> auc([3, 2], [1, 2])
    0.875
    """
    pairs = [(p > n) + 0.5 * (p == n) for p in positive for n in negative]
    return sum(pairs) / len(pairs)
