"""`linkgraph toxicity DOMAIN`: a spam score, with its reasons, per referring domain or link.

    linkgraph toxicity example.com --min-score 30 --format csv --out toxic.csv
    linkgraph toxicity example.com --links

The signals and their points are documented in `crawler.analysis.toxicity`; `low_authority` needs a
`linkgraph authority` run first (without one it is not checked, and a note says so).
"""

from __future__ import annotations

import argparse
import sys

from crawler.analysis.toxicity import Backlink, DomainScore, LinkScore, score_backlinks
from crawler.cli.app import connection_options, open_query_store, output_options
from crawler.cli.output import write_rows
from crawler.urls.canonical import registrable_domain
from pipelines.store import Store


def add_subcommand(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "toxicity",
        help="spam score and reasons per referring domain (or link) of DOMAIN",
        description="Score every domain linking to DOMAIN (or every link, with --links) from "
        "documented signals; each row lists the reasons and their points.",
    )
    p.add_argument("domain", metavar="DOMAIN")
    p.add_argument("--links", action="store_true", help="one row per link, not per domain")
    p.add_argument(
        "--min-score", type=float, default=0.0, metavar="X", help="only rows scoring X or more"
    )
    connection_options(p)
    output_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    domain = registrable_domain(args.domain.strip().lower())
    store = open_query_store(args)
    try:
        domains, links = score_domain(store, domain)
    finally:
        store.close()
    if args.links:
        columns = ["src_url", "src_domain", "dst_url", "anchor", "section", "score", "reasons"]
        chosen = sorted(
            (s for s in links if s.score >= args.min_score),
            key=lambda s: (-s.score, s.src_url, s.dst_url),
        )
        rows = [_link_row(s) for s in chosen]
    else:
        columns = ["ref_domain", "score", "links", "pages", "reasons"]
        rows = [_domain_row(s) for s in domains if s.score >= args.min_score]
    write_rows(columns, rows, args.format, args.out)
    return 0


def _domain_row(s: DomainScore) -> tuple[object, ...]:
    return s.ref_domain, s.score, s.links, s.pages, "; ".join(s.reasons)


def _link_row(s: LinkScore) -> tuple[object, ...]:
    return s.src_url, s.src_domain, s.dst_url, s.anchor, s.section, s.score, "; ".join(s.reasons)


def score_domain(store: Store, domain: str) -> tuple[list[DomainScore], list[LinkScore]]:
    """Read the signals' inputs for `domain` from the store and score them."""
    store.migrate()  # the authority tables (005) and page addresses (007) of an older store
    params = {"domain": domain}
    links = [
        Backlink(r["src_url"], r["src_domain"], r["dst_url"], r["anchor"], r["section"],
                 r["dom_path"], int(r["outlinks"] or 0), r["lang"] or "")
        for r in store.named("toxicity_backlinks", params).dicts()
    ]  # fmt: skip
    templates = dict(store.named("toxicity_templates", params).rows)
    addresses: dict[str, list[str]] = {}
    for src_domain, ip, _ in store.named("toxicity_addresses", params).rows:
        addresses.setdefault(src_domain, []).append(ip)
    lang_rows = store.named("toxicity_lang", params).rows
    pagerank = {row[0]: float(row[1]) for row in store.named("authority_latest").rows}
    if not pagerank:
        print(
            "linkgraph: note: no `linkgraph authority` run yet: low_authority not checked",
            file=sys.stderr,
        )
    target_lang = lang_rows[0][0] if lang_rows else ""
    return score_backlinks(domain, links, templates, pagerank, target_lang, addresses)
