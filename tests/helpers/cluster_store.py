"""Helpers of the cluster store tests: copy a store's fetches into another, run one command on
two stores and compare what it prints."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Sequence
from typing import Any

from crawler.cli.app import main
from pipelines.columns import LINK_COLUMNS, PAGE_COLUMNS
from pipelines.store import Store, open_store


def copy_fetches(source: Store, target: Store, *, block: int = 20_000) -> int:
    """Every `page_fetches` and `link_fetches` row of `source` inserted into `target`, in
    blocks (columns as the sink names them); the rows copied."""
    copied = 0
    for table, columns in (("link_fetches", LINK_COLUMNS), ("page_fetches", PAGE_COLUMNS)):
        names = ", ".join(name for name, _, _ in columns)
        rows = source.query(f"SELECT {names} FROM {table} FINAL").rows
        for start in range(0, len(rows), block):
            chunk = rows[start : start + block]
            target.insert_columns(table, columns, [list(col) for col in zip(*chunk, strict=True)])
        copied += len(rows)
    return copied


def settle(target: str) -> None:
    """On a cluster, wait until every replica has what its shard was sent (`Store.settle`, as
    a crawl does when it ends; fetches copied by `copy_fetches` need it too)."""
    store = open_store(target)
    try:
        store.settle()
    finally:
        store.close()


def run_in_process(args: Sequence[str]) -> str:
    """What `linkgraph ARGS` prints, run in this process (a query command: no reactor, no
    chDB): the comparisons run dozens of commands, an interpreter start each would dominate."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(args))
    assert code == 0, f"linkgraph {' '.join(args)} exited {code}"
    return out.getvalue()


def output(args: Sequence[str], store_args: Sequence[str]) -> list[Any]:
    """What `linkgraph ARGS` prints, as JSON rows (jsonl) or lines, on the store `store_args`."""
    text = run_in_process([*args, *store_args])
    if "--format" in args and "jsonl" in args:
        return [json.loads(line) for line in text.splitlines()]
    return text.splitlines()
