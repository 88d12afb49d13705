"""--sort, --offset and --limit of the list commands against the simulated web's truth, on
chDB and on clickhouse-server 18.16."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.helpers.e2e import CrawledWeb, linkgraph, one_clear_error


def _rows(web: CrawledWeb, *args: str) -> list[dict[str, Any]]:
    out = linkgraph([*args, *web.args, "--format", "jsonl"]).stdout
    return [json.loads(line) for line in out.splitlines()]


def _external(web: CrawledWeb) -> list[dict[str, Any]]:
    return [r for r in web.records if r["type"] == "link" and r["src_domain"] != r["dst_domain"]]


def test_sort_offset_limit(analysis_web: CrawledWeb) -> None:
    links = _external(analysis_web)
    domain = Counter(r["dst_domain"] for r in links).most_common(1)[0][0]
    mine = [r for r in links if r["dst_domain"] == domain]
    refs = sorted({r["src_domain"] for r in mine})
    got = _rows(analysis_web, "refdomains", domain, "--sort", "ref_domain", "--offset", "2",
                "--limit", "3")  # fmt: skip
    assert [r["ref_domain"] for r in got] == refs[2:5]
    got = _rows(analysis_web, "refdomains", domain, "--sort=-ref_domain")
    assert [r["ref_domain"] for r in got] == refs[::-1]
    # Two keys: ordinal descending, then src_url and dst_url ascending; a page of 7 from row 4.
    order = sorted(mine, key=lambda r: (-r["ordinal"], r["src_url"], r["dst_url"]))
    got = _rows(analysis_web, "backlinks", domain, "--sort=-ordinal,src_url,dst_url",
                "--offset", "4", "--limit", "7")  # fmt: skip
    assert [(r["src_url"], r["dst_url"], r["ordinal"]) for r in got] == [
        (r["src_url"], r["dst_url"], r["ordinal"]) for r in order[4:11]
    ]
    # Without --sort, --offset/--limit page the command's own order.
    full = _rows(analysis_web, "backlinks", domain)
    assert _rows(analysis_web, "backlinks", domain, "--offset", "3", "--limit", "4") == full[3:7]
    proc = linkgraph(["refdomains", domain, "--sort", "nope", *analysis_web.args], check=False)
    assert proc.returncode == 2
    one_clear_error(proc.stderr, "--sort: no column 'nope'", "ref_domain")
