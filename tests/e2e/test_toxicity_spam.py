"""Toxicity against the planted spam network's truth (crawler.testweb.spam): spam referring
domains of the targets score above the natural ones; `--keep` and `--merge` through the CLI; on
chDB and on clickhouse-server 18.16."""

from __future__ import annotations

import json
import re
import statistics
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from crawler.analysis.disavow import KEPT, read_disavow
from crawler.analysis.toxicity import read_inputs, score_domain, score_inputs
from pipelines.store import open_store
from tests.helpers.e2e import CrawledWeb, linkgraph, one_clear_error
from tests.helpers.serve import ServeProcess
from tests.helpers.spam_web import auc, crawled_spam_web

MIN_AUC = 0.95
NATURAL_MEDIAN_MAX = 10.0
NATURAL_ABOVE_SPAM_MAX = 0.05  # natural domains scoring as high as the lowest spam one


@pytest.fixture(params=["chdb", pytest.param("server", marks=pytest.mark.server)])
def spam_web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> CrawledWeb:  # fmt: skip
    server = request.getfixturevalue("clickhouse") if request.param == "server" else None
    return crawled_spam_web(tmp_path_factory, server)


def test_spam_scores_above_natural_links(spam_web: CrawledWeb) -> None:
    web, records, _, target = spam_web
    network = web.spam
    assert network is not None
    spam: dict[tuple[str, str], float] = {}
    natural: dict[tuple[str, str], float] = {}
    store = open_store(target)
    try:
        for site in network.targets:
            for d in score_domain(store, site.domain).domains:
                kind = network.kinds.get(d.ref_domain)
                (spam if kind else natural)[(site.domain, d.ref_domain)] = d.score
    finally:
        store.close()
    # Every referring domain of the truth was scored, labelled by the truth.
    truth_pairs = {(r["dst_domain"], r["src_domain"]) for r in records if r["type"] == "link"
                   and r["dst_domain"] in {t.domain for t in network.targets}
                   and r["src_domain"] != r["dst_domain"]}  # fmt: skip
    assert set(spam) | set(natural) == truth_pairs
    assert {d for _, d in spam} == set(network.kinds)
    assert {d for _, d in natural} <= network.natural and natural
    area = auc(list(spam.values()), list(natural.values()))
    median = statistics.median(natural.values())
    lowest = min(spam.values())
    above = sorted(pair for pair, score in natural.items() if score >= lowest)
    print(
        f"toxicity AUC {area:.4f} ({len(spam)} spam, {len(natural)} natural referring domains "
        f"of {len(network.targets)} targets); natural median {median:g}, max "
        f"{max(natural.values()):g}; spam min {lowest:g}; natural >= spam min: {len(above)}"
    )
    assert area >= MIN_AUC
    assert median <= NATURAL_MEDIAN_MAX
    assert len(above) <= NATURAL_ABOVE_SPAM_MAX * len(natural), above


def test_the_pbn_shares_an_address_block_in_the_truth(spam_web: CrawledWeb) -> None:
    """Behind the test web's proxy every page's `ip` is 127.0.0.1, which says nothing; given
    the truth's hosting instead, the PBN's domains (one /24) gain `shared_address` and nothing
    else changes."""
    web, _, _, target = spam_web
    network = web.spam
    assert network is not None
    pbn = sorted(d for d, kind in network.kinds.items() if kind == "pbn")
    store = open_store(target)
    try:
        inputs = {t.domain: read_inputs(store, t.domain) for t in network.targets}
    finally:
        store.close()
    for domain, found in inputs.items():
        assert {ip for ips in found.addresses.values() for ip in ips} == {"127.0.0.1"}
        stored = score_inputs(domain, found)
        hosting = {d: [network.addresses[d]] for d in found.addresses if d in network.addresses}
        hosted = score_inputs(domain, found._replace(addresses=hosting))
        before = {d.ref_domain: d for d in stored.domains}
        for d in hosted.domains:
            if d.ref_domain not in pbn:
                assert d == before[d.ref_domain]
                continue
            others = ", ".join(p for p in pbn if p != d.ref_domain)
            block = (
                "shared_address: served from 93.184.216.0/24, as 4 other referring domains "
                f"({others}) +15"
            )
            old = before[d.ref_domain]
            assert (d.score, d.reasons) == (
                old.score + 15,
                (old.reasons[0], block, *old.reasons[1:]),
            )


def test_keep_and_merge_through_the_cli(spam_web: CrawledWeb, tmp_path: Path) -> None:
    web, _, args, _ = spam_web
    network = web.spam
    assert network is not None
    target = network.targets[0].domain
    pbn = sorted(d for d, kind in network.kinds.items() if kind == "pbn")
    farm = sorted(d for d, kind in network.kinds.items() if kind == "farm")
    base = _jsonl(["toxicity", target, *args])
    keep = _write(tmp_path / "keep.txt", f"# a partner, whatever it looks like\ndomain:{pbn[0]}\n")
    kept = _jsonl(["toxicity", target, "--keep", str(keep), *args])
    # The kept domain at 0 with one reason, in its place by score then name; the rest as is.
    want = [{**r, "score": 0.0, "reasons": KEPT} if r["ref_domain"] == pbn[0] else r for r in base]
    assert kept == sorted(want, key=lambda r: (-r["score"], r["ref_domain"]))
    assert kept != base

    old = _write(tmp_path / "disavow.txt", f"# by hand\ndomain:{farm[0]}\nDomain:{farm[0]}\n")
    linkgraph(["disavow", target, "--min-score", "30", "--keep", str(keep), "--merge", str(old),
               "--out", str(old), *args])  # fmt: skip
    lines = old.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["# by hand", f"domain:{farm[0]}"]
    assert lines[2].startswith(f"# Disavow file for {target}, written by linkgraph on ")
    expected = []
    for r in base:
        if r["score"] >= 30 and r["ref_domain"] not in (pbn[0], farm[0]):
            expected += [f"# score {r['score']:g}: {r['reasons']}", f"domain:{r['ref_domain']}"]
    assert lines[4:] == expected
    spam = {r["ref_domain"] for r in base if r["ref_domain"] in network.kinds}
    assert read_disavow(old).domains == spam - {pbn[0]}

    bad = _write(tmp_path / "bad-keep.txt", "# ok\ndomain:a b.com\n")
    proc = linkgraph(["disavow", target, "--min-score", "30", "--keep", str(bad), *args],
                     check=False)  # fmt: skip
    assert proc.returncode == 2
    one_clear_error(proc.stderr, f"{bad}:2: not a domain: 'domain:a b.com'")
    clash = _write(tmp_path / "clash.txt", f"domain:{pbn[0]}\n")
    proc = linkgraph(["disavow", target, "--min-score", "30", "--keep", str(keep),
                      "--merge", str(clash), *args], check=False)  # fmt: skip
    assert proc.returncode == 2
    one_clear_error(proc.stderr, f"{clash}:1: 'domain:{pbn[0]}' is in the keep file")


def test_keep_through_the_api(spam_web: CrawledWeb, tmp_path: Path) -> None:
    """The API's `keep` entries answer what the CLI's --keep file of the same lines gives: a
    kept domain, and a kept page whose domain is then disavowed page by page."""
    web, _, args, _ = spam_web
    network = web.spam
    assert network is not None
    target = network.targets[0].domain
    pbn = sorted(d for d, kind in network.kinds.items() if kind == "pbn")
    farm = next(s for s in network.sites if network.kinds[s.domain] == "farm")
    entries = [f"domain:{pbn[0]}", f"http://{farm.host}/p/1.html"]
    keep = _write(tmp_path / "keep.txt", "\n".join(entries) + "\n")
    links = _jsonl(["toxicity", target, "--links", "--keep", str(keep), *args])
    disavow = linkgraph(["disavow", target, "--min-score", "30", "--keep", str(keep), *args])
    kept = [("keep", entry) for entry in entries]
    with ServeProcess(args) as server:
        query = urllib.parse.urlencode([("domain", target), ("links", "1"), *kept])
        got = server.get(f"/api/v1/toxicity?{query}")
        query = urllib.parse.urlencode([("domain", target), ("min-score", "30"), *kept])
        got_disavow = server.get_text(f"/api/v1/disavow?{query}")
        bad = server.get(f"/api/v1/toxicity?domain={target}&keep=partner.de")
        query = urllib.parse.urlencode([("domain", target), *kept, ("keep", "")])
        page = server.get_text(f"/app/toxicity?{query}")
        code, stderr = server.stop()
    assert code == 0, stderr
    assert got == (200, links)
    assert {r["score"] for r in links if r["src_url"] in entries[1:]} == {0.0}
    assert bad == (400, {"error": "argument --keep: neither domain:NAME nor a URL: 'partner.de'"})
    # The web app's disavow form carries the page's keep entries (not its empty box).
    form = re.search(r'<form class="query" action="/api/v1/disavow".*?</form>', page[2])
    assert form is not None and page[0] == 200
    hidden = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(0))
    assert hidden == [("domain", target), *kept]
    written = re.compile(r"written by linkgraph on \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert got_disavow[:2] == (200, "text/plain; charset=utf-8")
    assert written.sub("", got_disavow[2]) == written.sub("", disavow.stdout)
    listed = read_disavow(_write(tmp_path / "got.txt", got_disavow[2]))
    assert pbn[0] not in listed.domains and farm.domain not in listed.domains
    assert {u for u in listed.urls if farm.host in u} == {
        f"http://{farm.host}/{page}" for page in ("", "p/2.html", "p/3.html", "p/4.html")
    }


def _jsonl(args: list[str]) -> list[dict[str, Any]]:
    proc = linkgraph([*args, "--format", "jsonl"])
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
