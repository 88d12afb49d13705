"""Crawls started and stopped over the API (`linkgraph serve --allow-crawl`, issue 17 points 4-5)
on one embedded directory: a crawl of the simulated web starts with a POST, a second is refused
while it runs, a DELETE stops it as Ctrl-C would, and a POST with no seeds on a new server
resumes it to the end, where every domain's backlinks equal the truth's."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Any

from crawler.testweb import WebServer, build_web, truth
from tests.e2e.test_serve_crawl import HOST_DELAY, WEB, _key, _truth_backlinks
from tests.helpers.e2e import wait_for
from tests.helpers.serve import ServeProcess
from tests.helpers.serve_crawls import call

CRAWLS = "/api/v1/crawls"


def _crawls(server: ServeProcess) -> dict[str, Any]:
    code, body = call(server, "GET", CRAWLS)
    assert code == 200, body
    return dict(body)


def _pages(server: ServeProcess) -> int:
    code, body = server.get("/api/v1/status")
    return int(body["counts"]["pages"]) if code == 200 else 0


def test_start_stop_and_resume_a_crawl_over_the_api(tmp_path: Path) -> None:
    web = build_web(*WEB)
    records = list(truth(web))
    expected = _truth_backlinks(records)
    seeds = [site.home for site in web.sites]
    data = tmp_path / "data"
    with WebServer(web) as site:
        options = {"proxy": site.proxy, "host-delay": HOST_DELAY}
        with ServeProcess(["--data", str(data), "--allow-crawl"]) as server:
            code, started = call(server, "POST", CRAWLS, {"seeds": seeds, "options": options})
            assert code == 202, started
            crawl_id = started["crawl_id"]
            assert started == {"crawl_id": crawl_id, "state": "starting"}
            again = call(server, "POST", CRAWLS, {"seeds": seeds, "options": options})
            assert again == (409, {"error": f"crawl {crawl_id} is running: stop it first"})
            wait_for("pages stored", lambda: _pages(server) > 0, timeout=120)
            assert _crawls(server) == {"running": crawl_id, "last": None}
            assert call(server, "DELETE", f"{CRAWLS}/nope")[0] == 404
            stopping = call(server, "DELETE", f"{CRAWLS}/{crawl_id}")
            assert stopping == (202, {"crawl_id": crawl_id, "state": "stopping"})
            wait_for("the crawl's stop", lambda: _crawls(server)["running"] is None, timeout=60)
            last = {"crawl_id": crawl_id, "exit_code": 3, "error": ""}  # CrawlInterrupted
            assert _crawls(server) == {"running": None, "last": last}
            code, status = server.get("/api/v1/status")
            assert (code, status["state"]) == (200, "stopped"), status
            stopped_pages = status["counts"]["pages"]
            assert 0 < stopped_pages < sum(r["type"] == "page" for r in records), status
            # The server stays up, and says why it runs no second crawl in this process.
            code, refused = call(server, "POST", CRAWLS, {"options": options})
            assert code == 409, refused
            assert "restart linkgraph serve" in refused["error"], refused
            code, stderr = server.stop(signal.SIGTERM)
        assert code == 0, stderr
        assert "Traceback" not in stderr, stderr
        assert "stopped before the end" in stderr, stderr
        # A new server resumes it (no seeds), to the truth.
        resume = {"proxy": site.proxy, "host-delay": "0"}
        with ServeProcess(["--data", str(data), "--allow-crawl"]) as server:
            code, started = call(server, "POST", f"{CRAWLS}", {"options": resume})
            assert code == 202, started
            wait_for("the crawl's end", lambda: _crawls(server)["last"] is not None, timeout=300)
            assert _crawls(server)["last"] == {"crawl_id": crawl_id, "exit_code": 0, "error": ""}
            for domain, links in sorted(expected.items()):
                code, rows = server.get(f"/api/v1/backlinks?domain={domain}")
                assert (code, Counter(map(_key, rows))) == (200, links), domain
            code, status = server.get("/api/v1/status")
            code, stderr = server.stop(signal.SIGTERM)
        assert code == 0, stderr
    assert status["state"] == "done", status
    assert status["counts"]["pages"] == sum(r["type"] == "page" for r in records), status
