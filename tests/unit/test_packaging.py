"""What `pip install .` ships: every package the `linkgraph` command imports, bench/ too (so
`linkgraph bench store` runs from any directory)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_ships_bench_and_every_stage() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(where=str(ROOT), include=include))
    assert {
        "bench",
        "crawler.cli",
        "crawler.cli.commands",
        "crawler.analysis",
        "pipelines",
    } <= shipped
    assert not any(name.startswith("tests") for name in shipped)
