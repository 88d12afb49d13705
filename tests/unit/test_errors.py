"""The exception tree: every class in crawler/errors.py and drawn there, exit codes by branch,
the store's errors carrying the server's code and name."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from crawler import errors
from crawler.errors import (
    ConfigError,
    CrawlInterrupted,
    InputFileError,
    LinkgraphError,
    SeedError,
    StoreError,
    StoreLocked,
    UsageError,
)

ROOT = Path(__file__).resolve().parents[2]
# Allowed outside errors.py, and drawn there as such: it must subclass Twisted's DNSLookupError.
PRIVATE_ELSEWHERE = {"_ResolvedToPrivate"}


def _classes() -> list[type[LinkgraphError]]:
    return [
        value
        for value in vars(errors).values()
        if inspect.isclass(value) and issubclass(value, LinkgraphError)
    ]


def test_every_class_is_drawn_in_the_tree() -> None:
    drawing = errors.__doc__ or ""
    for cls in _classes():
        assert f" {cls.__name__} " in drawing or drawing.startswith(cls.__name__), cls


def test_no_exception_class_lives_outside_errors_py() -> None:
    outside = []
    for path in [*ROOT.glob("crawler/**/*.py"), *ROOT.glob("pipelines/**/*.py")]:
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name not in PRIVATE_ELSEWHERE:
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if any(b.endswith(("Error", "Exception", "Full")) for b in bases):
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert outside == []
    assert "_ResolvedToPrivate" in (errors.__doc__ or "")


def test_exit_codes_by_branch() -> None:
    assert LinkgraphError.exit_code == 1
    assert StoreLocked("x").exit_code == 1
    for usage in (UsageError, ConfigError, SeedError, InputFileError, errors.QueryError):
        assert usage.exit_code == 2, usage
    assert CrawlInterrupted.exit_code == 3
    assert errors.CrawlDeferred.exit_code == 4
    codes = {cls: cls.exit_code for cls in _classes()}
    assert {c for c in codes.values()} == {1, 2, 3, 4}


def test_chdb_message_gives_code_and_name() -> None:
    text = (
        "Code: 60. DB::Exception: Unknown table expression identifier 'nope'. Maybe you "
        "meant system.one? In scope SELECT * FROM nope. (UNKNOWN_TABLE)"
    )
    error = StoreError.from_server_text("chDB at /d", text)
    assert (error.code, error.name) == (60, "UNKNOWN_TABLE")
    assert str(error) == (
        "chDB at /d: Unknown table expression identifier 'nope'. Maybe you meant "
        "system.one? (ClickHouse code 60 UNKNOWN_TABLE)"
    )


def test_server_code_gets_its_name() -> None:
    pytest.importorskip("clickhouse_driver")
    error = StoreError("ClickHouse at x: Missing columns", code=47)
    assert error.name == "UNKNOWN_IDENTIFIER"
    assert str(error).endswith("(ClickHouse code 47 UNKNOWN_IDENTIFIER)")


def test_message_without_a_code() -> None:
    error = StoreError.from_server_text("chDB at /d", "something broke")
    assert (error.code, error.name, str(error)) == (None, "", "chDB at /d: something broke")
