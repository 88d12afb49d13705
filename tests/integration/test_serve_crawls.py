"""`linkgraph serve` is read-only unless started with --allow-crawl (issue 17, point 5): every
method but GET and HEAD on every path is refused, and the crawl routes answer 403 saying why.
With --allow-crawl, a bad start request answers 400 with the CLI's message and nothing starts.
The crawls themselves, against the simulated web's truth: tests/e2e/test_serve_api_crawl.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.e2e import linkgraph
from tests.helpers.serve import ServeProcess, empty_data
from tests.helpers.serve_crawls import call, routes

WRITES = ("POST", "PUT", "PATCH", "DELETE")
CRAWL_ROUTES = {
    ("/api/v1/crawls", "GET"),
    ("/api/v1/crawls", "POST"),
    ("/api/v1/crawls/x", "DELETE"),
    ("/api/v1/crawls/x/stop", "POST"),
}
# The login form sets the token's cookie in the browser: it writes nothing on the server.
LOGIN = ("/login", "POST")
READ_ONLY = (
    "this server is read-only: start linkgraph serve with --allow-crawl to start and stop crawls"
)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded data directory with a migrated, empty store."""
    return empty_data(tmp_path_factory.mktemp("serve-crawls"))


def test_the_only_routes_beyond_get_are_the_crawls_and_the_login() -> None:
    beyond = {(path, m) for path, methods in routes().items() for m in methods}
    beyond -= {(path, m) for path, m in beyond if m in ("GET", "HEAD")}
    assert beyond == {r for r in CRAWL_ROUTES if r[1] != "GET"} | {LOGIN}


def test_without_allow_crawl_every_write_is_refused(data: Path) -> None:
    with ServeProcess(["--data", str(data)]) as server:
        got = {}
        for path in sorted(routes()):
            for method in WRITES:
                got[path, method] = call(server, method, path, {"seeds": ["a.example"]})[0]
        crawls = [call(server, m, p, {"seeds": ["a.example"]}) for p, m in sorted(CRAWL_ROUTES)]
        code, stderr = server.stop()
    assert code == 0, stderr
    expected = {key: 405 for key in got}
    expected |= {key: 403 for key in CRAWL_ROUTES if key in got}
    expected[LOGIN] = got[LOGIN]  # a form post: 303 to the app or 401, never a write
    assert got == expected
    assert got[LOGIN] in (303, 200, 401), got[LOGIN]
    assert crawls == [(403, {"error": READ_ONLY})] * len(CRAWL_ROUTES)


def test_with_allow_crawl_a_bad_request_is_400_with_the_cli_message(
    data: Path, tmp_path: Path
) -> None:
    cli = linkgraph(
        ["crawl", "a.example", "--max-depth", "abc", "--data", str(tmp_path)], check=False
    )
    cli_message = cli.stderr.strip().splitlines()[-1]
    with ServeProcess(["--data", str(data), "--allow-crawl"]) as server:
        answers = [
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"], "options": {"max-depth": "abc"}},
            ),
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"], "options": {"dat": "/tmp"}},
            ),
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"], "options": {"data": "/tmp"}},
            ),
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"], "options": {"seeds-file": "/etc/passwd"}},
            ),
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"], "options": {"allow-private": True}},
            ),
            call(server, "POST", "/api/v1/crawls", {"seeds": ["--data=/tmp"]}),
            call(server, "POST", "/api/v1/crawls", {"seeds": "a.example"}),
            call(server, "POST", "/api/v1/crawls", {"seed": ["a.example"]}),
            call(server, "POST", "/api/v1/crawls", ["a.example"]),
            call(
                server,
                "POST",
                "/api/v1/crawls",
                {"seeds": ["a.example"]},
                content_type="text/plain",
            ),
            call(server, "DELETE", "/api/v1/crawls/nope"),
            call(server, "GET", "/api/v1/crawls"),
        ]
        code, stderr = server.stop()
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert cli_message == "linkgraph crawl: error: argument --max-depth: invalid int value: 'abc'"
    assert answers == [
        (400, {"error": "argument --max-depth: invalid int value: 'abc'"}),
        (400, {"error": "unrecognized arguments: --dat"}),
        (400, {"error": "unrecognized arguments: --data"}),
        (400, {"error": "unrecognized arguments: --seeds-file"}),
        (400, {"error": "argument --allow-private: only on the command line (serve --crawl)"}),
        (400, {"error": "command line:1: neither a URL nor a domain: '--data=/tmp'"}),
        (400, {"error": "seeds: a list of URLs or domains"}),
        (400, {"error": "unrecognized fields: seed"}),
        (400, {"error": 'the body must be a JSON object: {"seeds": [...], "options": {...}}'}),
        (415, {"error": "send the body as Content-Type: application/json"}),
        (404, {"error": "no running crawl 'nope' in this server"}),
        (200, {"running": None, "last": None}),
    ]
