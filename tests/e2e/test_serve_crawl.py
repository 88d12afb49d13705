"""Serve while crawling on one embedded directory (issue 17, step 1): `linkgraph serve --data D
--crawl SEEDS...` holds the one chDB handle for the server and the crawl. While the simulated web
is crawled, the API answers the crawl's status and backlinks (each row one the truth holds); at
the end every domain's backlinks are exactly the truth's, and the failed fetches by kind are the
truth's error pages."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.testweb import WebServer, build_web, truth
from tests.helpers.e2e import seeds_file, wait_for
from tests.helpers.serve import ServeProcess

WEB = (4, 30, 23)  # sites, pages per site, seed: a crawl of ~10 s at the host delay below
HOST_DELAY = "0.25"


def _key(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["src_url"], r["dst_url"], r["ordinal"], r["anchor"], tuple(r["rel"]), r["section"])


def _truth_backlinks(records: list[dict[str, Any]]) -> dict[str, Counter[tuple[Any, ...]]]:
    """Each linked domain's backlinks (self-links out), as `backlinks` keys them."""
    found: dict[str, Counter[tuple[Any, ...]]] = {}
    for r in records:
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]:
            found.setdefault(r["dst_domain"], Counter())[_key(r)] += 1
    return found


def _status(server: ServeProcess) -> dict[str, Any]:
    code, body = server.get("/api/v1/status")
    assert code == 200, body
    return dict(body)


def test_api_answers_during_the_crawl_and_equals_truth_at_the_end(tmp_path: Path) -> None:
    web = build_web(*WEB)
    records = list(truth(web))
    expected = _truth_backlinks(records)
    target = max(sorted(expected), key=lambda d: sum(expected[d].values()))
    seeds = seeds_file(web, tmp_path)
    data = tmp_path / "data"
    with WebServer(web) as site:
        crawl = ["--seeds-file", str(seeds), "--proxy", site.proxy, "--host-delay", HOST_DELAY]
        with ServeProcess(["--data", str(data), "--crawl", *crawl]) as server:
            # During: a status with pages stored and work left, backlinks a part of the truth's,
            # then the crawl still running (so the answer came while it ran).
            wait_for("pages stored", lambda: _running_with_pages(server), timeout=120)
            code, rows = server.get(f"/api/v1/backlinks?domain={target}")
            assert code == 200, rows
            assert not Counter(map(_key, rows)) - expected[target]
            during = _status(server)
            assert during["state"] == "running", during
            assert during["counts"]["queued"] + during["counts"]["leased"] > 0, during
            assert [w["worker"] for w in during["workers"]] != [], during
            # The end: the frontier done, every domain's backlinks the truth's.
            wait_for("the crawl's end", lambda: _status(server)["state"] == "done", timeout=300)
            final = _status(server)
            for domain, links in sorted(expected.items()):
                code, rows = server.get(f"/api/v1/backlinks?domain={domain}")
                assert code == 200, rows
                assert Counter(map(_key, rows)) == links, domain
            assert server.get("/api/v1/status?crawl-id=no-such-crawl") == (
                404,
                {"error": "no crawl 'no-such-crawl' in this frontier"},
            )
            code, stderr = server.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    pages = [r for r in records if r["type"] == "page"]
    assert final["counts"]["pages"] == len(pages), final
    failed = Counter(f"HTTP {r['status']}" for r in pages if r["status"] >= 400)
    assert final["errors_by_kind"] == dict(failed), final


def _running_with_pages(server: ServeProcess) -> bool:
    code, body = server.get("/api/v1/status")
    return code == 200 and body["state"] == "running" and body["counts"]["pages"] > 0


def test_sigterm_stops_crawl_and_server_and_serve_crawl_resumes(tmp_path: Path) -> None:
    web = build_web(*WEB)
    records = list(truth(web))
    expected = _truth_backlinks(records)
    seeds = seeds_file(web, tmp_path)
    data = tmp_path / "data"
    with WebServer(web) as site:
        crawl = ["--seeds-file", str(seeds), "--proxy", site.proxy, "--host-delay", HOST_DELAY]
        with ServeProcess(["--data", str(data), "--crawl", *crawl]) as server:
            wait_for("pages stored", lambda: _running_with_pages(server), timeout=120)
            code, stderr = server.stop(signal.SIGTERM)
        assert code == 3, stderr  # CrawlInterrupted: the same command resumes
        assert "stopped before the end" in stderr, stderr
        assert "Traceback" not in stderr, stderr
        # --crawl with no seeds resumes the frontier's crawl, to the truth.
        resume = ["--proxy", site.proxy, "--host-delay", "0"]
        with ServeProcess(["--data", str(data), "--crawl", *resume]) as server:
            wait_for("the crawl's end", lambda: _status(server)["state"] == "done", timeout=300)
            for domain, links in sorted(expected.items()):
                code, rows = server.get(f"/api/v1/backlinks?domain={domain}")
                assert (code, Counter(map(_key, rows))) == (200, links), domain
            code, stderr = server.stop(signal.SIGTERM)
        assert code == 0, stderr
