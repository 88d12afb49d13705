"""The JSON API: each query command as `GET /api/v1/COMMAND?domain=D&option=value`, answering a
JSON array of exactly the rows `linkgraph COMMAND D --option value --format jsonl` writes.

A parameter is named as the command's option without its dashes (`min-authority`, `vs`); a
repeatable option repeats (`vs=a.com&vs=b.com`); a flag takes 1/true/yes or 0/false/no. Values
are parsed by crawler.params, the CLI's own types, so a bad value is a 400 with the CLI's words.
`format=csv` and `format=xlsx` answer the file `--format csv` / `--format xlsx` writes, as a
download. `GET /api/v1/disavow?domain=D&min-score=X` downloads `linkgraph disavow`'s file.
`keep` (toxicity, disavow) takes the keep file's entries themselves, one per parameter
(`keep=domain:partner.de&keep=http://a.com/page`): a server reads no file a client names, so
there is no `merge` either.

    GET /api/v1/backlinks?domain=example.com&dofollow=1&section=main&limit=100
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from multidict import MultiDict

from crawler import params
from crawler.analysis import queries
from crawler.analysis.disavow import Disavow, apply_keep, disavow_text, parse_disavow, parse_entry
from crawler.analysis.paging import page_rows, sql_limit
from crawler.analysis.refdomains import refdomains_need, refdomains_page
from crawler.analysis.rows import json_records, write_csv
from crawler.analysis.shortlist import backlinks_page
from crawler.analysis.targets import Target, resolve_target
from crawler.analysis.toxicity import score_domain, toxicity_rows
from crawler.analysis.velocity import COLUMNS as VELOCITY_COLUMNS
from crawler.analysis.velocity import PERIODS, velocity_params, velocity_rows
from crawler.analysis.workbook import XLSX_TYPE, write_xlsx
from crawler.errors import ConfigError, InputFileError, QueryError
from crawler.serve.state import in_store
from pipelines.store import Store

Rows = tuple[Sequence[str], Sequence[Sequence[Any]]]
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Param:
    """One query-string parameter: its CLI option's name, parser and default."""

    name: str
    parse: Callable[[str], Any] = str
    default: Any = None
    many: bool = False
    flag: bool = False
    required: bool = False

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class Endpoint:
    """A command's endpoint: its parameters and `run(store, values) -> (columns, rows)`."""

    name: str
    params: tuple[Param, ...]
    run: Callable[[Store, dict[str, Any]], Rows]
    # run takes `limit`: the rows the query must return for the page (paging.sql_limit), as
    # the CLI's backlinks asks its query, so a first page does not read the whole link set.
    limited: bool = False
    # How many rows of its query's order a limited endpoint needs: (sort, offset, limit) ->
    # offset + limit, or None (all rows) under a --sort that order does not give.
    need: Callable[[str, int, int | None], int | None] = sql_limit


DOMAIN = Param("domain", params.domain, required=True)
MODE = Param("mode", params.mode)
# The list commands' --sort, --offset, --limit (applied to the rows by `handler`).
SORT, OFFSET = Param("sort", default=""), Param("offset", params.nonnegative, default=0)
PAGING = (SORT, OFFSET, Param("limit", params.positive))


def parse_query(parameters: Sequence[Param], query: Mapping[str, Any]) -> dict[str, Any]:
    """The typed values of a query string (a MultiDict), argparse's messages on a bad one."""
    known = {p.name for p in parameters}
    unknown = sorted(set(query) - known)
    if unknown:
        raise QueryError(f"unrecognized arguments: {' '.join(unknown)}")
    values = {}
    for param in parameters:
        texts = query.getall(param.name, [])  # type: ignore[attr-defined]
        if not texts and param.required:
            raise QueryError(f"the following arguments are required: {param.name}")
        if len(texts) > 1 and not param.many:
            raise QueryError(f"argument --{param.name}: given more than once")
        values[param.key] = _values(param, texts)
    params.split_typed(values)
    return values


def _values(param: Param, texts: list[str]) -> Any:
    if not texts:
        return [] if param.many else param.default
    try:
        parsed = [_one(param, text) for text in texts]
    except argparse.ArgumentTypeError as exc:
        raise QueryError(f"argument --{param.name}: {exc}") from exc
    return parsed if param.many else parsed[0]


def choice(*choices: str) -> Callable[[str], str]:
    """A parser of one of `choices`, refusing any other value in argparse's words."""

    def parse(text: str) -> str:
        if text not in choices:
            listed = ", ".join(map(repr, choices))
            raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {listed})")
        return text

    parse.choices = choices  # type: ignore[attr-defined]  # the OpenAPI schema's enum
    return parse


def _one(param: Param, text: str) -> Any:
    if not param.flag:
        return param.parse(text)
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f"not a yes/no value: {text!r}")


def keep_entry(text: str) -> str:
    """One line of a keep file (`domain:NAME` or a URL), refused in argparse's words."""
    try:
        parse_entry(text, "", 0)
    except InputFileError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(":0: ")) from exc
    return text


KEEP = Param("keep", keep_entry, many=True)


def _keep(v: dict[str, Any]) -> Disavow | None:
    return parse_disavow(v["keep"], "keep") if v["keep"] else None


FORMATS = ("json", "csv", "xlsx")


def run_paged(endpoint: Endpoint, store: Store, values: dict[str, Any]) -> Rows:
    """The endpoint's rows for parsed `values`, then --sort, --offset and --limit applied to
    them as the CLI applies them (the paging options are taken out of `values`)."""
    paging = {k: values.pop(k) for k in ("sort", "offset", "limit") if k in values}
    if endpoint.limited:
        values["limit"] = endpoint.need(paging["sort"], paging["offset"], paging["limit"])
    columns, rows = endpoint.run(store, values)
    return columns, page_rows(columns, rows, **paging) if paging else rows


def handler(endpoint: Endpoint) -> Callable[[web.Request], Any]:
    """The aiohttp handler of one endpoint."""

    async def handle(request: web.Request) -> web.Response:
        query = MultiDict(request.query)
        fmt = query.popall("format", ["json"])
        if len(fmt) != 1 or fmt[0] not in FORMATS:
            raise QueryError(f"argument --format: json, csv or xlsx, not {','.join(fmt)!r}")
        values = parse_query(endpoint.params, query)
        columns, rows = await in_store(request, lambda store: run_paged(endpoint, store, values))
        if fmt == ["json"]:
            return web.json_response(json_records(columns, rows))
        name = f"{endpoint.name}-{values['domain']}.{fmt[0]}"
        if fmt == ["csv"]:
            out = io.StringIO(newline="")
            write_csv(columns, rows, out)
            return _download(out.getvalue().encode("utf-8"), "text/csv; charset=utf-8", name)
        book = io.BytesIO()
        write_xlsx(columns, rows, book)
        return _download(book.getvalue(), XLSX_TYPE, name)

    return handle


def _download(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


DISAVOW_PATH = "/api/v1/disavow"
DISAVOW_PARAMS = (DOMAIN, Param("min-score", params.score, required=True), KEEP)


async def disavow_handler(request: web.Request) -> web.Response:
    """`linkgraph disavow DOMAIN --min-score X`'s file, as a download."""
    values = parse_query(DISAVOW_PARAMS, request.query)
    if values["min_score"] <= 0:
        raise ConfigError("--min-score must be above 0 and at most 100")
    keep = _keep(values)
    scores = await in_store(request, lambda store: score_domain(store, values["domain"]))
    scores = apply_keep(scores, keep)
    text, _, _ = disavow_text(
        values["domain"], scores.domains, scores.links, values["min_score"], keep
    )
    name = f"disavow-{values['domain']}.txt"
    return _download(text.encode("utf-8"), "text/plain; charset=utf-8", name)


def add_routes(app: web.Application) -> None:
    for endpoint in ENDPOINTS:
        app.router.add_get(f"/api/v1/{endpoint.name}", handler(endpoint))
    app.router.add_get(DISAVOW_PATH, disavow_handler)


def _named(store: Store, name: str, values: Mapping[str, Any]) -> Rows:
    result = queries.run_named(store, name, dict(values))
    return result.columns, result.rows


def _target(v: dict[str, Any]) -> Target:
    """The target of the typed `domain` and `mode` (both taken out of `v`), as the CLI's
    --mode reads it."""
    return resolve_target(v.pop("typed"), v.pop("mode"))


def _backlinks(store: Store, v: dict[str, Any]) -> Rows:
    target = _target(v)
    params = queries.with_target(queries.backlinks_params(**v), target)
    result = backlinks_page(store, params)
    return result.columns, result.rows


def _refdomains(store: Store, v: dict[str, Any]) -> Rows:
    need = v.pop("limit", None)  # the overview (pages.py) asks for every row
    result = refdomains_page(store, queries.with_target(v, _target(v)), need)
    return result.columns, result.rows


def _local(store: Store, v: dict[str, Any]) -> Rows:
    result = queries.run_named(store, "refdomains_report", queries.with_target(v, _target(v)))
    return queries.LOCAL_COLUMNS, queries.local_rows(result)


def _anchors(store: Store, v: dict[str, Any]) -> Rows:
    target = _target(v)
    keywords = queries.keywords_param(v["keywords"])
    values = queries.with_target({"domain": v["domain"], "keywords": keywords}, target)
    return _named(store, "anchors", values)


def _gap(store: Store, v: dict[str, Any]) -> Rows:
    target = _target(v)
    if not v["vs"]:
        raise QueryError("the following arguments are required: vs")
    values = queries.gap_params(v["domain"], v["vs"], v["min"], None)
    return _named(store, "gap_report", queries.with_target(values, target))


def _broken(store: Store, v: dict[str, Any]) -> Rows:
    target = _target(v)
    values = queries.broken_params(v["domain"], v["vs"], prospects=v["prospects"], target=target)
    return _named(store, "broken", values)


def _changes(store: Store, v: dict[str, Any]) -> Rows:
    target = _target(v)
    options = {k: value for k, value in v.items() if k != "domain"}  # v is the caller's
    name, values = queries.changes_query(v["domain"], **options)
    return _named(store, name, queries.with_target(values, target))


def _toxicity(store: Store, v: dict[str, Any]) -> Rows:
    scores = apply_keep(score_domain(store, v["domain"]), _keep(v))
    return toxicity_rows(scores, links=v["links"], min_score=v["min_score"])


def _velocity(store: Store, v: dict[str, Any]) -> Rows:
    values = queries.with_target(velocity_params(v["domain"], v["by"]), _target(v))
    result = queries.run_named(store, "velocity", values)
    return VELOCITY_COLUMNS, velocity_rows(result.rows, v["by"])


def _profile(command: str) -> Callable[[Store, dict[str, Any]], Rows]:
    """top-pages, linked-domains, ips or contacts: `queries.profile_rows`, as the CLI runs it."""

    def run(store: Store, v: dict[str, Any]) -> Rows:
        return queries.profile_rows(store, command, v["domain"], _target(v))

    return run


_COUNTRY = Param("country", params.country, default="")
ENDPOINTS = (
    Endpoint(
        "backlinks",
        (
            DOMAIN,
            MODE,
            Param("dofollow", flag=True, default=False),
            Param("rel", default=""),
            Param("section", default=""),
            Param("kind", default=""),
            Param("anchor-contains", default=""),
            Param("min-authority", params.score, default=0.0),
            _COUNTRY,
            Param("new-since", params.date),
            Param("lost-since", params.date),
            Param("one-per-domain", flag=True, default=False),
            *PAGING,
        ),
        _backlinks,
        limited=True,
    ),
    Endpoint(
        "refdomains",
        (DOMAIN, MODE, _COUNTRY, *PAGING),
        _refdomains,
        limited=True,
        need=refdomains_need,
    ),
    Endpoint("local", (DOMAIN, MODE, _COUNTRY, *PAGING), _local),
    Endpoint("anchors", (DOMAIN, MODE, Param("keywords", many=True), *PAGING), _anchors),
    Endpoint(
        "gap",
        (
            DOMAIN,
            MODE,
            Param("vs", params.domain, many=True),
            Param("min", params.positive, 1),
            *PAGING,
        ),
        _gap,
    ),
    Endpoint(
        "broken",
        (
            DOMAIN,
            MODE,
            Param("prospects", flag=True, default=False),
            Param("vs", params.domain, many=True),
            *PAGING,
        ),
        _broken,
    ),
    Endpoint(
        "changes",
        (
            DOMAIN,
            MODE,
            Param("since", params.date),
            Param("until", params.date),
            Param("from-crawl", default=""),
            Param("to-crawl", default=""),
            *PAGING,
        ),
        _changes,
    ),
    Endpoint(
        "toxicity",
        (
            DOMAIN,
            Param("links", flag=True, default=False),
            Param("min-score", params.score, default=0.0),
            KEEP,
        ),
        _toxicity,
    ),
    Endpoint(
        "velocity",
        (DOMAIN, MODE, Param("by", choice(*PERIODS), default="week"), *PAGING),
        _velocity,
    ),
    *(Endpoint(name, (DOMAIN, MODE, *PAGING), _profile(name)) for name in queries.PROFILE_QUERIES),
)
