"""`linkgraph disavow DOMAIN --min-score X --out F`: a Google disavow file from toxicity scores.

    linkgraph disavow example.com --min-score 40 --out disavow.txt
    linkgraph disavow example.com --min-score 40 --keep partners.txt --merge disavow.txt \
        --out disavow.txt

Lists `domain:` lines for every referring domain scoring X or more (its reasons as a `#`
comment above it), then the linking pages (full URLs) scoring X or more whose domain is not
listed, within Google's limits (UTF-8, 100,000 lines, 2 MB; see crawler.analysis.disavow).
`--keep FILE` lists domains and pages never disavowed; `--merge FILE` keeps an existing disavow
file's lines first (comments too, a repeated entry once) and adds only what it does not list.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler import params
from crawler.cli import options
from crawler.errors import ConfigError


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "disavow",
        help="write a Google disavow file for DOMAIN's toxic links",
        description="Write a disavow file: domains and linking pages whose toxicity score "
        "(linkgraph toxicity) is at least --min-score.",
    )
    p.add_argument("domain", metavar="DOMAIN", type=params.domain)
    p.add_argument(
        "--min-score", type=params.score, required=True, metavar="X", help="disavow scores >= X"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    p.add_argument(
        "--merge",
        type=Path,
        metavar="FILE",
        help="keep this disavow file's lines (comments too, repeated entries once) and add "
        "only the entries it does not list; it may be the --out file",
    )
    options.keep(p)
    options.connection(p)
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from crawler.analysis.disavow import apply_keep, disavow_text, read_disavow, read_merge
    from crawler.analysis.queries import open_link_graph
    from crawler.analysis.toxicity import score_domain

    if args.min_score <= 0:
        raise ConfigError("--min-score must be above 0 and at most 100")
    keep = read_disavow(args.keep, "keep") if args.keep else None
    merged = read_merge(args.merge, keep) if args.merge else None
    store = open_link_graph(args.data, args.clickhouse)
    try:
        scores = apply_keep(score_domain(store, args.domain), keep)
    finally:
        store.close()
    text, listed, pages = disavow_text(
        args.domain, scores.domains, scores.links, args.min_score, keep, merged
    )
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out}: {exc}") from exc
    kept = f", after the {len(merged.lines)} lines of {args.merge}" if merged else ""
    print(f"disavow: {listed} domains and {pages} pages scoring >= {args.min_score:g} "
          f"written to {args.out}{kept}")  # fmt: skip
    return 0
