"""The web app in Debian's chromium, headless, over the DevTools protocol (issue 17, step 3), on
the crawled simulated web: every page loads with no console error and shows the rows the JSON
API returns for the same query (cell text compared), filters, sorting and paging change them as
the API's rows say, and a page's CSV download is the CLI's CSV. The overview's screenshot is kept
as a test artifact (BASETEMP/artifacts/overview.png)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crawler.analysis.rows import csv_cell
from crawler.serve.pages import PAGE_ROWS
from tests.e2e.test_serve_api import _api_path, _cli_csv, _ranked
from tests.helpers.browser import Browser, Tab, chromium_binary
from tests.helpers.e2e import CrawledWeb, crawled_web
from tests.helpers.serve import ServeProcess

pytestmark = pytest.mark.skipif(chromium_binary() is None, reason="chromium is not installed")

# The text of every cell of the rows table, row by row (textContent: as stored, spaces kept).
ROWS_JS = (
    "Array.from(document.querySelectorAll('#rows tr')).slice(1)"
    ".map(r => Array.from(r.cells).map(c => c.textContent))"
)
HEADER_JS = "Array.from(document.querySelectorAll('#rows th')).map(c => c.textContent)"


def _table_js(name: str) -> str:
    """The cells' text of the table with this id, header row left out."""
    return (
        f"Array.from(document.querySelectorAll('#{name} tr')).slice(1)"
        ".map(r => Array.from(r.cells).map(c => c.textContent))"
    )


def _cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The API's rows as the page must show them: each value's CSV text, empty for null."""
    return [["" if csv_cell(v) is None else str(csv_cell(v)) for v in r.values()] for r in rows]


def _api(server: ServeProcess, command: str, domain: str, options: list[tuple[str, str]]) -> Any:
    status, rows = server.get(_api_path(command, domain, options))
    assert status == 200, rows
    return rows


async def _table(tab: Tab, url: str) -> list[list[str]]:
    await tab.navigate(url)
    return list(await tab.evaluate(ROWS_JS))


async def _click(tab: Tab, selector: str) -> None:
    """Click a link or submit button and wait for the page it loads."""
    tab.loaded.clear()
    await tab.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
    await asyncio.wait_for(tab.loaded.wait(), 60)


async def _browse(server: ServeProcess, crawled: CrawledWeb, artifacts: Path, cli_csv: str) -> None:
    ranked = _ranked(crawled)
    top, second, least = ranked[0], ranked[1], ranked[-1]
    base = server.url
    async with Browser(artifacts) as browser:
        # Overview: the report's charts laid out, its screenshot kept.
        tab = await browser.open(f"{base}/app/overview?domain={top}")
        assert await tab.evaluate("document.querySelector('h1').textContent") == (
            f"Backlinks of {top}"
        )
        charts = await tab.evaluate("document.getElementById('render-check').dataset.charts")
        assert int(charts) >= 4, charts
        changes = _api(server, "changes", top, [("since", "2000-01-01")])
        days: dict[str, list[int]] = {}
        for row in changes:
            days.setdefault(row["changed_at"][:10], [0, 0])[row["change"] == "lost"] += 1
        assert await tab.evaluate(_table_js("new-lost")) == [
            [day, str(new), str(lost)] for day, (new, lost) in sorted(days.items())
        ]
        assert sum(n for n, _ in days.values()) > 0, "the crawl's links are all new"
        buckets = [0] * 10
        for row in _api(server, "refdomains", top, []):
            buckets[min(int(row["authority"] // 10), 9)] += 1
        assert await tab.evaluate(_table_js("authority")) == [
            [f"{10 * i}-{10 * i + 10}", str(n)] for i, n in enumerate(buckets)
        ]
        assert sum(buckets[1:]) > 0, "the authority run scores some referring domains above 10"
        assert tab.errors == [], tab.errors
        await tab.screenshot(artifacts / "overview.png")
        assert (artifacts / "overview.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        # Every table page shows the API's rows, in its order, in pages of PAGE_ROWS.
        vs = [("vs", top), ("vs", second)]
        cases = [
            ("backlinks", top, []),
            ("refdomains", top, []),
            ("anchors", top, []),
            ("gap", least, vs),
            ("broken", top, []),
            ("changes", top, [("since", "2020-01-01")]),
            ("toxicity", top, []),
        ]
        for command, domain, options in cases:
            rows = _api(server, command, domain, options)
            assert rows, (command, "the case must have rows to compare")
            page = await _table(tab, base + _api_path(command, domain, options).replace(
                "/api/v1/", "/app/"))  # fmt: skip
            assert page == _cells(rows)[:PAGE_ROWS], command
            assert await tab.evaluate(HEADER_JS) == list(rows[0]), command
            assert tab.errors == [], (command, tab.errors)

        # The form's filter: tick "dofollow" and submit; the rows are the API's dofollow=1.
        await tab.navigate(f"{base}/app/backlinks?domain={top}")
        await tab.evaluate("document.querySelector('input[name=dofollow]').checked = true")
        await _click(tab, "form.query button")
        dofollow = _api(server, "backlinks", top, [("dofollow", "1")])
        assert await tab.evaluate(ROWS_JS) == _cells(dofollow)[:PAGE_ROWS]
        assert len(dofollow) < len(_api(server, "backlinks", top, []))

        # Paging: "next" shows the API's next PAGE_ROWS rows.
        everything = _api(server, "backlinks", top, [])
        assert len(everything) > PAGE_ROWS, "the top domain must fill more than a page"
        await tab.navigate(f"{base}/app/backlinks?domain={top}")
        await _click(tab, "#next")
        assert await tab.evaluate(ROWS_JS) == _cells(everything)[PAGE_ROWS : 2 * PAGE_ROWS]

        # Sorting: a header click orders the API's rows by that column (stable).
        await tab.navigate(f"{base}/app/refdomains?domain={top}")
        header = await tab.evaluate(HEADER_JS)
        column = header.index("ref_domain")
        await _click(tab, f"#rows th:nth-child({column + 1}) a")
        refdomains = _api(server, "refdomains", top, [])
        by_name = sorted(refdomains, key=lambda r: r["ref_domain"])
        assert await tab.evaluate(ROWS_JS) == _cells(by_name)[:PAGE_ROWS]
        await _click(tab, f"#rows th:nth-child({column + 1}) a")  # again: descending
        by_name.reverse()
        assert await tab.evaluate(ROWS_JS) == _cells(by_name)[:PAGE_ROWS]

        # The CSV link of the page is the CLI's CSV of the same query.
        await tab.navigate(f"{base}/app/backlinks?domain={top}")
        href = await tab.evaluate("document.querySelector('a.download').href")
        with urllib.request.urlopen(href, timeout=60) as response:
            downloaded = response.read().decode("utf-8")
        assert downloaded == cli_csv

        # The live status page of the (finished) crawl, and a bad parameter's message.
        await tab.navigate(f"{base}/app/status")
        figures = await tab.evaluate(
            "Array.from(document.querySelectorAll('#figures tr')).slice(1)"
            ".map(r => [r.cells[0].textContent, r.cells[1].textContent])"
        )
        assert dict(figures)["state"] == "done", figures
        assert tab.errors == [], tab.errors
        # A bad parameter: the form again, the CLI's message, status 400 (the one error logged).
        bad = f"{base}/app/backlinks?domain={top}&limit=0"
        await tab.navigate(bad)
        error = await tab.evaluate("document.querySelector('.error').textContent")
        assert error == "argument --limit: must be at least 1, not 0"
        assert await tab.evaluate("document.querySelector('input[name=limit]').value") == "0"
        assert tab.errors == [
            "network: Failed to load resource: the server responded with a status of 400 "
            f"(Bad Request) {bad}"
        ]


def test_web_app_pages_in_chromium(tmp_path_factory: pytest.TempPathFactory) -> None:
    crawled = crawled_web(tmp_path_factory)
    artifacts = tmp_path_factory.getbasetemp() / "artifacts"
    artifacts.mkdir(exist_ok=True)
    # The CLI first: on chDB the server holds the store's one handle while it runs.
    top = _ranked(crawled)[0]
    cli_csv = _cli_csv(crawled, artifacts / "backlinks.csv", ("backlinks", top, []))
    with ServeProcess(crawled.args) as server:
        asyncio.run(_browse(server, crawled, artifacts, cli_csv))
        code, stderr = server.stop()
    assert code == 0, stderr
