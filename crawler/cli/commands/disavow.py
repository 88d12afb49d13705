"""`linkgraph disavow DOMAIN --min-score X --out F`: a Google disavow file from toxicity scores.

    linkgraph disavow example.com --min-score 40 --out disavow.txt

Lists `domain:` lines for every referring domain scoring X or more (its reasons as a `#`
comment above it), then the linking pages (full URLs) scoring X or more whose domain is not
listed, within Google's limits (UTF-8, 100,000 lines, 2 MB; see crawler.analysis.disavow).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from crawler.analysis.disavow import format_disavow
from crawler.analysis.toxicity import DomainScore, LinkScore
from crawler.cli.app import connection_options, open_query_store
from crawler.cli.commands.toxicity import score_domain
from crawler.errors import ConfigError
from crawler.urls.canonical import registrable_domain


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "disavow",
        help="write a Google disavow file for DOMAIN's toxic links",
        description="Write a disavow file: domains and linking pages whose toxicity score "
        "(linkgraph toxicity) is at least --min-score.",
    )
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument(
        "--min-score", type=float, required=True, metavar="X", help="disavow scores >= X"
    )
    p.add_argument("--out", type=Path, metavar="FILE", help="write here, not to stdout")
    connection_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.min_score <= 100:
        raise ConfigError("--min-score must be above 0 and at most 100")
    domain = registrable_domain(args.domain.strip().lower())
    store = open_query_store(args)
    try:
        domains, links = score_domain(store, domain)
    finally:
        store.close()
    text, listed, pages = disavow_text(domain, domains, links, args.min_score)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {args.out}: {exc}") from exc
    print(f"disavow: {listed} domains and {pages} pages scoring >= {args.min_score:g} "
          f"written to {args.out}")  # fmt: skip
    return 0


def disavow_text(
    domain: str, domains: list[DomainScore], links: list[LinkScore], min_score: float
) -> tuple[str, int, int]:
    """(file text, domains listed, pages listed): domains worst first, then pages by URL."""
    chosen = [d for d in domains if d.score >= min_score]
    listed = {d.ref_domain for d in chosen}
    worst: dict[str, LinkScore] = {}
    for link in links:
        if link.score < min_score or link.src_domain in listed:
            continue
        if link.src_url not in worst or link.score > worst[link.src_url].score:
            worst[link.src_url] = link
    header = (
        f"Disavow file for {domain}, written by linkgraph on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: toxicity score >= {min_score:g}.\n"
        "Each entry's comment gives its score and reasons (linkgraph toxicity)."
    )
    text = format_disavow(
        [(d.ref_domain, f"score {d.score:g}: {'; '.join(d.reasons)}") for d in chosen],
        [(u, f"score {s.score:g}: {'; '.join(s.reasons)}") for u, s in sorted(worst.items())],
        header=header,
    )
    return text, len(chosen), len(worst)
