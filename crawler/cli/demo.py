"""`make demo`: crawl the simulated web with the embedded default and show what it found.

Starts `linkgraph testweb` in this process on 127.0.0.1, crawls it (Valkey frontier and chDB
store under OUT/data, fetching through the simulated web's proxy), then prints the top
referring domains, the backlinks of the most linked domain, and writes a competitor-gap CSV.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from crawler.cli.output import write_rows
from crawler.config import CrawlConfig
from crawler.run.crawl import Crawl
from crawler.testweb import WebServer, build_web
from pipelines.store import open_store

TOP_DOMAINS = """
SELECT dst_domain, uniqExact(src_domain) AS ref_domains, count() AS links
FROM links WHERE src_domain != dst_domain AND dst_domain IN ({domains})
GROUP BY dst_domain ORDER BY ref_domains DESC, links DESC, dst_domain
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.cli.demo", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--pages-per-site", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    data = args.out / "data"
    shutil.rmtree(data, ignore_errors=True)  # each demo starts from an empty link graph
    web = build_web(args.sites, args.pages_per_site, args.seed)
    print(
        f"== simulated web: {len(web.sites)} sites, about "
        f"{len(web.sites) * args.pages_per_site:,} pages, served on 127.0.0.1"
    )
    with WebServer(web) as server:
        print(f"== crawling it through the proxy {server.proxy} into {data}")
        config = CrawlConfig(
            seeds=[site.home for site in web.sites],
            data=data,
            proxy=server.proxy,
            workers=args.workers,
            crawl_id="demo",
        ).validate()
        code = Crawl(config, out=sys.stdout).run()
    if code != 0:
        return code
    show(data, sorted(web.domains), args.out)
    return 0


def show(data: Path, domains: list[str], out: Path) -> None:
    store = open_store(str((data / "store").resolve()))
    quoted = ", ".join(f"'{d}'" for d in domains)
    top = store.query(TOP_DOMAINS.format(domains=quoted))
    print("\n== the most linked domains")
    write_rows(top.columns, top.rows[:5], "table", None)
    target, rivals = top.rows[0][0], [row[0] for row in top.rows[1:3]]
    result = store.named("refdomains", {"domain": target})
    print(f"\n== referring domains of {target}  (linkgraph refdomains {target})")
    write_rows(result.columns, result.rows[:10], "table", None)
    result = store.named("backlinks", {"domain": target})
    print(
        f"\n== backlinks of {target}, first 10 of {len(result.rows)}"
        f"  (linkgraph backlinks {target})"
    )
    write_rows(result.columns, result.rows[:10], "table", None)
    mine = top.rows[-1][0]  # the least linked site: the one with a gap to close
    gap = store.named("gap", {"domain": mine, "competitors": rivals, "min_k": 1})
    gap_csv = out / "gap.csv"
    write_rows(gap.columns, gap.rows, "csv", gap_csv)
    print(
        f"\n== competitor gap: {len(gap.rows)} domains link to {' or '.join(rivals)} but not "
        f"to {mine}; written to {gap_csv}"
    )
    store_dir = data / "store"
    print(f"""
== the link graph is in {store_dir} (chDB, embedded ClickHouse); query it with
   .venv/bin/linkgraph backlinks {target} --data {data}
   .venv/bin/linkgraph gap {mine} --vs {rivals[0]} --vs {rivals[1]} --data {data} --format csv
   .venv/bin/linkgraph sql --data {data} "SELECT section, count() FROM links GROUP BY section"
   tables and columns: schema/README.md""")


if __name__ == "__main__":
    sys.exit(main())
