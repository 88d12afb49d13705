"""`linkgraph import FILE --format csv|gsc|ahrefs`: add links from other tools' exports.

    linkgraph import backlinks.csv --format ahrefs --data linkgraph-data

The accepted columns and how imported links are marked are in `crawler.analysis.importer`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from crawler.analysis.import_formats import FORMATS
from crawler.cli import options
from crawler.errors import ConfigError


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
    options.connection(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # imported here: the CLI's start-up (the importer brings the URL code and the store)
    from crawler.analysis.importer import import_file
    from crawler.analysis.queries import open_link_graph
    from crawler.urls.canonical import canonicalize

    target = args.target
    if target:
        try:
            target = canonicalize(target if "://" in target else f"http://{target}/")
        except ValueError as exc:
            raise ConfigError(f"--target is not a URL: {args.target!r}") from exc
    if not args.file.is_file():
        raise ConfigError(f"no such file: {args.file}")
    store = open_link_graph(args.data, args.clickhouse, create=True)  # a new --data is fine
    try:
        store.migrate()
        stats = import_file(store, args.file, args.import_format, target=target, strict=args.strict)
    finally:
        store.close()
    print(stats.summary(args.file, f"import:{args.import_format}"))
    return 1 if stats.bad and not stats.links else 0
