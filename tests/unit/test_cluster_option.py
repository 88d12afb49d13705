"""`--clickhouse-cluster NAME` and LINKGRAPH_CLICKHOUSE_CLUSTER fold into the store URL as
``?cluster=NAME``: one URL reaches the store, the crawl's policy and its workers."""

from __future__ import annotations

import pytest

from crawler.cli.app import build_parser
from crawler.cli.options import settle_connection
from crawler.errors import ConfigError

URL = "clickhouse://127.0.0.1:9000/lg"


def settled(argv: list[str]) -> str:
    args = build_parser().parse_args(argv)
    settle_connection(args)
    return str(args.clickhouse)


@pytest.mark.parametrize("command", [["backlinks", "a.com"], ["sql", "SELECT 1"],
                                     ["authority"], ["worker"], ["crawl", "a.com"]])  # fmt: skip
def test_the_option_names_the_cluster_in_the_url(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINKGRAPH_CLICKHOUSE_CLUSTER", raising=False)
    assert (
        settled([*command, "--clickhouse", URL, "--clickhouse-cluster", "lg"])
        == f"{URL}?cluster=lg"
    )
    assert settled([*command, "--clickhouse", URL]) == URL
    monkeypatch.setenv("LINKGRAPH_CLICKHOUSE_CLUSTER", "prod_1")
    assert settled([*command, "--clickhouse", URL]) == f"{URL}?cluster=prod_1"
    # The option wins over the environment; the URL's own ?cluster= must agree with it.
    assert (
        settled([*command, "--clickhouse", URL, "--clickhouse-cluster", "lg"])
        == f"{URL}?cluster=lg"
    )
    assert settled([*command, "--clickhouse", f"{URL}?cluster=prod_1"]) == f"{URL}?cluster=prod_1"


def test_mistakes_are_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINKGRAPH_CLICKHOUSE_CLUSTER", raising=False)
    with pytest.raises(ConfigError, match="needs --clickhouse URL"):
        settled(["backlinks", "a.com", "--clickhouse-cluster", "lg"])
    with pytest.raises(ConfigError, match="names cluster 'other'"):
        settled(["backlinks", "a.com", "--clickhouse", f"{URL}?cluster=other",
                 "--clickhouse-cluster", "lg"])  # fmt: skip
    monkeypatch.setenv("LINKGRAPH_CLICKHOUSE_CLUSTER", "lg; DROP")
    with pytest.raises(ConfigError, match="LINKGRAPH_CLICKHOUSE_CLUSTER=lg; DROP: not a cluster"):
        settled(["backlinks", "a.com", "--clickhouse", URL])
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["sql", "SELECT 1", "--clickhouse-cluster", "a-b"])
    assert exit_.value.code == 2
