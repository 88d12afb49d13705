"""`linkgraph import FILE --format csv|gsc|ahrefs`: add links from other tools' exports.

    linkgraph import backlinks.csv --format ahrefs --data linkgraph-data

The accepted columns and how imported links are marked are in `crawler.analysis.importer`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.analysis.importer import FORMATS, import_file
from crawler.cli.app import connection_options
from crawler.errors import ConfigError
from crawler.urls.canonical import canonicalize
from pipelines.store import Store, open_store


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import",
        help="add links from a CSV, Search Console or Ahrefs export",
        description="Add the links of FILE to the link graph, marked crawl_id = import:FORMAT. "
        "csv: src_url,dst_url[,anchor,rel]; gsc: Search Console's links exports "
        "(Linking page[,Target page][,Last crawled] or Site); ahrefs: a backlinks export "
        "(Referring page URL, Target URL, Anchor, Nofollow, UGC, Sponsored, First seen, Last "
        "seen). Export dates become the links' first/last seen.",
    )
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--format", required=True, choices=FORMATS, dest="import_format")
    p.add_argument(
        "--target",
        default="",
        metavar="URL",
        help="gsc exports without a target column: the URL their links point to",
    )
    p.add_argument(
        "--strict", action="store_true", help="stop at the first bad row instead of skipping it"
    )
    connection_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = args.target
    if target:
        try:
            target = canonicalize(target if "://" in target else f"http://{target}/")
        except ValueError as exc:
            raise ConfigError(f"--target is not a URL: {args.target!r}") from exc
    if not args.file.is_file():
        raise ConfigError(f"no such file: {args.file}")
    store = _open_store(args)
    try:
        store.migrate()
        stats = import_file(store, args.file, args.import_format, target=target, strict=args.strict)
    finally:
        store.close()
    print(stats.summary(args.file, f"import:{args.import_format}"))
    return 1 if stats.bad and not stats.links else 0


def _open_store(args: argparse.Namespace) -> Store:
    """The query store, or a fresh embedded one: importing into an empty --data is fine."""
    if args.clickhouse:
        return open_store(args.clickhouse)
    path = args.data / "store"
    path.mkdir(parents=True, exist_ok=True)
    return open_store(str(path.resolve()))
