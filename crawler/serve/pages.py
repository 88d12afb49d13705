"""The web app of `linkgraph serve`: server-rendered HTML pages over the same endpoint table as
the JSON API (crawler.serve.api), so a page shows exactly the rows its API call returns.

- `/` picks a domain; `/app/overview?domain=D` is `linkgraph report D --html` with the app's
  navigation (referring domains over time, dofollow share, sections, anchors, top pages), new
  and lost links by day (the changes endpoint) and referring domains by authority (refdomains);
- `/app/COMMAND?domain=D&OPTION=VALUE` for every API endpoint (backlinks, refdomains, gap with
  any number of `vs`, broken, changes, toxicity, ...): a form of the command's options, the
  rows as a table, sorted by any column (`sort=`, `order=desc`), `PAGE_ROWS` a page (`page=`),
  CSV and XLSX downloads of the same query (and a disavow download on the toxicity page);
- `/app/status`: the running crawl's live status, refreshed every few seconds;
- `/login`: with `--token-file`, a browser gives the token once; a cookie (HttpOnly, SameSite
  Strict) carries it on every later request, as `Authorization: Bearer` does for programs.

No script, no CDN, no font: the pages work offline and with scripting off. Crawled text is
hostile: every value goes through `html.escape`, and no crawled value becomes a link target.

    GET /app/backlinks?domain=example.com&dofollow=1&sort=anchor&page=2
"""

from __future__ import annotations

import asyncio
import hmac
import html
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import MultiDict

from crawler import params
from crawler.analysis.report import collect, render_html
from crawler.analysis.rows import csv_cell
from crawler.errors import CrawlNotFound, FrontierUnavailable, LinkgraphError
from crawler.run.status import crawl_status
from crawler.serve.api import (
    DISAVOW_PATH,
    DOMAIN,
    ENDPOINTS,
    Endpoint,
    Param,
    parse_query,
    run_paged,
)
from crawler.serve.state import FRONTIER_KEY, FRONTIER_LOCK_KEY, TOKEN_KEY, in_store

PAGE_ROWS = 50
OVERVIEW_SINCE = datetime(2000, 1, 1, tzinfo=UTC)  # before any crawl: every change
LOGIN_PATH = "/login"
TOKEN_COOKIE = "linkgraph_token"
STATUS_REFRESH_SECONDS = 5
# Only the app's own styles and forms: an injected resource or script would not load.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_APP_PARAMS = ("page", "sort", "order")
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fff}
nav{background:#1e293b;padding:8px 16px}nav a{color:#e2e8f0;margin-right:14px;text-decoration:none}
main{padding:12px 20px}h1{font-size:22px}form.query{display:flex;flex-wrap:wrap;gap:8px 16px}
form.query label{display:flex;flex-direction:column;font-size:12px;color:#334155}
table{border-collapse:collapse;margin-top:10px;font-size:12px;width:100%}
td,th{border-bottom:1px solid #e2e8f0;padding:3px 6px;text-align:left;word-break:break-all}
th a{color:#1e293b}.error{color:#b91c1c;font-weight:bold}.pager a{margin-right:12px}
""".strip()


def add_pages(app: web.Application) -> None:
    app.router.add_get("/", _home)
    app.router.add_get(LOGIN_PATH, _login_form)
    app.router.add_post(LOGIN_PATH, _login)
    app.router.add_get("/app/overview", _overview)
    app.router.add_get("/app/status", _status)
    for endpoint in ENDPOINTS:
        app.router.add_get(f"/app/{endpoint.name}", _table_page(endpoint))


def page(title: str, body: Sequence[str], *, status: int = 200, head: str = "") -> web.Response:
    """A whole HTML page: `title` (escaped here) and `body`, HTML already escaped."""
    text = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>{html.escape(title)} - linkgraph</title>{head}",
            f"<style>{_CSS}</style></head><body>",
            _nav(),
            "<main>",
            *body,
            "</main></body></html>",
        ]
    )
    return _html(text, status)


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(
        text=text,
        status=status,
        content_type="text/html",
        charset="utf-8",
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )


def _nav() -> str:
    links = [("/", "linkgraph"), ("/app/status", "crawl status")]
    return "<nav>" + " | ".join(f'<a href="{href}">{name}</a>' for href, name in links) + "</nav>"


def _domain_nav(domain: str) -> str:
    """Links to every page of one domain."""
    names = ["overview", *(e.name for e in ENDPOINTS)]
    query = urllib.parse.urlencode({"domain": domain})
    links = (f'<a href="/app/{name}?{html.escape(query)}">{name}</a>' for name in names)
    return '<p class="pager">' + " ".join(links) + "</p>"


async def _home(request: web.Request) -> web.Response:
    return page(
        "linkgraph",
        [
            "<h1>Backlinks of a domain</h1>",
            '<form class="query" action="/app/overview" method="get">',
            '<label>domain<input name="domain" required placeholder="example.com"></label>',
            '<button type="submit">overview</button></form>',
        ],
    )


async def _login_form(request: web.Request, status: int = 200) -> web.Response:
    wrong = '<p class="error">wrong token</p>' if status == 401 else ""
    return page(
        "token",
        [
            "<h1>Token</h1>",
            wrong,
            f'<form class="query" action="{LOGIN_PATH}" method="post">',
            '<label>token<input name="token" type="password" required></label>',
            '<button type="submit">sign in</button></form>',
        ],
        status=status,
    )


async def _login(request: web.Request) -> web.StreamResponse:
    given = str((await request.post()).get("token", ""))
    token = request.app[TOKEN_KEY]
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return await _login_form(request, status=401)
    response = web.Response(status=303, headers={"Location": "/"})
    response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict", path="/")
    return response


async def _overview(request: web.Request) -> web.Response:
    values = parse_query((DOMAIN, Param("vs", params.domain, many=True)), request.query)
    domain = values["domain"]
    data = await in_store(request, lambda store: collect(store, domain, values["vs"]))
    by = {e.name: e for e in ENDPOINTS}
    # The whole domain, as the endpoints' parsed values name it (typed as given, no --mode).
    whole = {"domain": domain, "typed": domain, "mode": None}
    since = {**whole, "since": OVERVIEW_SINCE, "until": None, "from_crawl": "", "to_crawl": ""}
    _, changes = await in_store(request, lambda store: by["changes"].run(store, since))
    refs = {**whole, "country": ""}
    columns, refdomains = await in_store(request, lambda store: by["refdomains"].run(store, refs))
    authority = [row[columns.index("authority")] for row in refdomains]
    report = render_html(data)
    # The report is one self-contained document: the app adds its navigation at the top and,
    # before the dofollow share, new vs lost links by day and the authority distribution.
    report = report.replace("<body>", f"<body>{_nav()}{_domain_nav(domain)}", 1)
    extra = _new_and_lost(changes) + _authority_buckets(authority)
    report = report.replace("<h2>Dofollow share</h2>", extra + "<h2>Dofollow share</h2>", 1)
    return _html(report)


def _new_and_lost(changes: Sequence[Sequence[Any]]) -> str:
    """Links new and lost per day (the changes query's rows: change, changed_at, ...)."""
    days: dict[str, list[int]] = {}
    for change, changed_at, *_ in changes:
        counts = days.setdefault(str(csv_cell(changed_at))[:10], [0, 0])
        counts[change == "lost"] += 1
    rows = [(day, new, lost) for day, (new, lost) in sorted(days.items())]
    return "<h2>New and lost links by day</h2>" + _plain_table(
        ("day", "new", "lost"), rows, "new-lost"
    )


def _authority_buckets(scores: Sequence[float]) -> str:
    """Referring domains by authority (0-100) in tenths; 100 falls in the top one."""
    counts = [0] * 10
    for score in scores:
        counts[min(int(float(score) // 10), 9)] += 1
    rows = [(f"{10 * i}-{10 * i + 10}", n) for i, n in enumerate(counts)]
    return "<h2>Referring domains by authority</h2>" + _plain_table(
        ("authority", "referring domains"), rows, "authority"
    )


def _table_page(endpoint: Endpoint) -> Callable[[web.Request], Any]:
    async def handle(request: web.Request) -> web.Response:
        query = _submitted(request.query)
        app_values = {name: query.popall(name, [""])[-1] for name in _APP_PARAMS}
        body = [f"<h1>{endpoint.name}</h1>", _form(endpoint, query)]
        try:
            values = parse_query(endpoint.params, query)
            columns, rows = await in_store(
                request, lambda store: run_paged(endpoint, store, values)
            )
        except LinkgraphError as exc:
            body.append(f'<p class="error">{html.escape(str(exc))}</p>')
            return page(endpoint.name, body, status=400)
        body.insert(1, _domain_nav(values["domain"]))
        body += _downloads(endpoint, query)
        body += _rows_table(columns, rows, query, app_values)
        return page(f"{endpoint.name} of {values['domain']}", body)

    return handle


def _submitted(query: Any) -> MultiDict[str]:
    """The query string as the API reads it: a form's empty fields are options not given."""
    return MultiDict((k, v) for k, v in query.items() if v != "")


def _form(endpoint: Endpoint, query: MultiDict[str]) -> str:
    fields = []
    for param in endpoint.params:
        given = query.getall(param.name, [])
        name = html.escape(param.name)
        if param.flag:
            checked = (
                " checked" if given and given[-1].lower() in ("1", "true", "yes", "on") else ""
            )
            field = f'<input type="checkbox" name="{name}" value="1"{checked}>'
        elif param.many:
            # One box per value and an empty one: any number of competitors or keywords.
            field = "".join(f'<input name="{name}" value="{html.escape(v)}">' for v in [*given, ""])
        else:
            value = html.escape(given[-1]) if given else ""
            field = f'<input name="{name}" value="{value}">'
        fields.append(f"<label>{name}{field}</label>")
    return (
        f'<form class="query" action="/app/{endpoint.name}" method="get">'
        + "".join(fields)
        + '<button type="submit">show</button></form>'
    )


def _downloads(endpoint: Endpoint, query: MultiDict[str]) -> list[str]:
    links = []
    for fmt in ("csv", "xlsx"):
        href = f"/api/v1/{endpoint.name}?" + urllib.parse.urlencode(
            [*query.items(), ("format", fmt)]
        )
        links.append(f'<a class="download" href="{html.escape(href)}">{fmt.upper()}</a>')
    parts = ['<p class="pager">download: ' + " ".join(links) + "</p>"]
    if endpoint.name == "toxicity":
        domain = html.escape(query.get("domain", ""))
        # The page's keep entries hold for its disavow file too.
        kept = "".join(
            f'<input type="hidden" name="keep" value="{html.escape(entry)}">'
            for entry in query.getall("keep", [])
            if entry.strip()
        )
        parts.append(
            f'<form class="query" action="{DISAVOW_PATH}" method="get">'
            f'<input type="hidden" name="domain" value="{domain}">{kept}'
            '<label>disavow scores at least<input name="min-score" value="50"></label>'
            '<button type="submit">disavow file</button></form>'
        )
    return parts


def _rows_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    query: MultiDict[str],
    app_values: dict[str, str],
) -> list[str]:
    """A page of the rows, sorted as asked; headers link to sort by their column."""
    sort, desc = app_values["sort"], app_values["order"] == "desc"
    ordered = list(rows)
    if sort in columns:
        at = columns.index(sort)
        ordered.sort(key=lambda row: _sort_key(row[at]), reverse=desc)
    try:
        number = max(int(app_values["page"] or 1), 1)
    except ValueError:
        number = 1
    pages = max((len(ordered) + PAGE_ROWS - 1) // PAGE_ROWS, 1)
    number = min(number, pages)
    shown = ordered[(number - 1) * PAGE_ROWS : number * PAGE_ROWS]
    head = "".join(
        f'<th><a href="{_href(query, sort=c, order=_next_order(c, sort, desc))}">'
        f"{html.escape(c)}</a></th>"
        for c in columns
    )
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>" for row in shown)
    pager = [f'<p class="pager" id="pager">{len(ordered):,} rows; page {number} of {pages}']
    if number > 1:
        back = _href(query, sort=sort, order=app_values["order"], page=str(number - 1))
        pager.append(f' <a id="prev" href="{back}">previous</a>')
    if number < pages:
        on = _href(query, sort=sort, order=app_values["order"], page=str(number + 1))
        pager.append(f' <a id="next" href="{on}">next</a>')
    return ["".join(pager) + "</p>", f'<table id="rows"><tr>{head}</tr>{body}</table>']


def _next_order(column: str, sort: str, desc: bool) -> str:
    return "asc" if column == sort and desc else ("desc" if column == sort else "asc")


def _href(query: MultiDict[str], **extra: str) -> str:
    """A link to this page with `query` and the app's own `extra` parameters (page, sort...)."""
    pairs = [*query.items(), *((k, v) for k, v in extra.items() if v)]
    return html.escape("?" + urllib.parse.urlencode(pairs))


def _sort_key(value: Any) -> tuple[int, Any]:
    """None last; numbers as numbers; anything else by its text."""
    if value is None:
        return (2, "")
    if isinstance(value, bool | int | float):
        return (0, value)
    return (1, str(csv_cell(value)))


def _cell(value: Any) -> str:
    text = csv_cell(value)
    return "" if text is None else html.escape(str(text))


async def _status(request: web.Request) -> web.Response:
    source = request.app[FRONTIER_KEY]
    head = f'<meta http-equiv="refresh" content="{STATUS_REFRESH_SECONDS}">'
    try:
        async with request.app[FRONTIER_LOCK_KEY]:
            report = await asyncio.to_thread(
                crawl_status, source.data, source.redis, "", source.crawling
            )
    except (CrawlNotFound, FrontierUnavailable) as exc:
        return page("crawl status", [f'<p class="error">{html.escape(str(exc))}</p>'], head=head)
    errors = await in_store(
        request, lambda store: store.named("crawl_errors", {"crawl_id": report["crawl_id"]})
    )
    counts = report["counts"]
    figures = [
        ("state", report["state"]),
        ("pages/s now", f"{report['rate_now']:.1f}"),
        ("pages/s over the crawl", f"{report['rate']:.1f}"),
        *((name, f"{counts.get(name, 0):,}") for name in ("queued", "leased", "done", "pages")),
        *((name, f"{counts.get(name, 0):,}") for name in ("links", "errors", "hosts_waiting")),
    ]
    workers = [
        (w.get("worker"), w.get("pages", 0), f"{float(w.get('rate', 0.0)):.1f}")
        for w in report["workers"]
    ]
    body = [
        f"<h1>crawl {html.escape(str(report['crawl_id']))}</h1>",
        _plain_table(("figure", "value"), figures, "figures"),
        "<h2>errors by kind</h2>",
        _plain_table(("kind", "fetches"), errors.rows, "errors"),
        "<h2>busiest hosts</h2>",
        _plain_table(("host", "queued"), report["busiest"], "busiest"),
        "<h2>waiting hosts</h2>",
        _plain_table(("host", "seconds to next fetch"), report["waiting"], "waiting"),
        "<h2>workers</h2>",
        _plain_table(("worker", "pages", "pages/s"), workers, "workers"),
    ]
    return page("crawl status", body, head=head)


def _plain_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], name: str) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table id="{name}"><tr>{head}</tr>{body}</table>'
