"""The OpenAPI 3 schema of the JSON API, built from its endpoint table (crawler.serve.api), so
the schema cannot drift from the routes. Served at /api/v1/openapi.json.

    >>> schema()["paths"]["/api/v1/backlinks"]["get"]["parameters"][0]["name"]
    'domain'
"""

from __future__ import annotations

from typing import Any

from crawler import params
from crawler.serve.api import DISAVOW_PARAMS, DISAVOW_PATH, ENDPOINTS, Param
from crawler.serve.crawls import CRAWLS_PATH, STATUS_PARAMETERS, STATUS_PATH

OPENAPI_PATH = "/api/v1/openapi.json"
_ERROR = {
    "description": "an error, with the message the CLI prints",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
        }
    },
}
_TYPES: dict[Any, dict[str, Any]] = {
    params.positive: {"type": "integer", "minimum": 1},
    params.nonnegative: {"type": "integer", "minimum": 0},
    params.mode: {"type": "string", "enum": ["domain", "host", "prefix", "exact"]},
    params.score: {"type": "number", "minimum": 0, "maximum": 100},
    params.date: {"type": "string", "description": "YYYY-MM-DD or ISO 8601, UTC"},
    params.country: {"type": "string", "pattern": "^[A-Za-z]{2}$"},
}


def schema() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, Any] = {"/healthz": {"get": _operation("liveness, without a token", [])}}
    for endpoint in ENDPOINTS:
        summary = (
            f"the rows of `linkgraph {endpoint.name} --format jsonl` (format=csv, xlsx: files)"
        )
        paths[f"/api/v1/{endpoint.name}"] = {"get": _operation(summary, endpoint.params)}
    summary = "the file `linkgraph disavow DOMAIN --min-score X` writes (text/plain)"
    paths[DISAVOW_PATH] = {"get": _operation(summary, DISAVOW_PARAMS)}
    status = [Param(name) for name in STATUS_PARAMETERS]
    paths[STATUS_PATH] = {"get": _operation("a crawl's live status, as `linkgraph status`", status)}
    paths.update(_crawl_paths())
    return {
        "openapi": "3.0.3",
        "info": {"title": "linkgraph", "version": "1"},
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
        "security": [{"token": []}],
        "paths": paths,
    }


def _crawl_paths() -> dict[str, Any]:
    """Starting and stopping crawls: 403 unless the server runs with --allow-crawl."""
    body = {
        "type": "object",
        "properties": {
            "seeds": {"type": "array", "items": {"type": "string"}},
            "options": {
                "type": "object",
                "description": "`linkgraph crawl` options without their dashes: "
                '{"max-depth": 2, "include": ["/blog/"], "ignore-robots": true}',
            },
        },
    }
    crawl_id = [{"name": "crawl_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    errors = {code: _ERROR for code in ("400", "401", "403", "404", "409", "415")}
    accepted = {"202": {"description": '{"crawl_id": ID, "state": "starting" | "stopping"}'}}
    stop: dict[str, Any] = {"summary": "stop the crawl as Ctrl-C would", "parameters": crawl_id}
    stop["responses"] = {**accepted, **errors}
    return {
        CRAWLS_PATH: {
            "get": {
                "summary": "the running crawl's id and how the last one ended",
                "responses": {"200": {"description": '{"running": ID | null, "last": {...}}'}},
            },
            "post": {
                "summary": "start a crawl, as `linkgraph crawl SEEDS --OPTION VALUE`",
                "requestBody": {"content": {"application/json": {"schema": body}}},
                "responses": {**accepted, **errors},
            },
        },
        CRAWLS_PATH + "/{crawl_id}": {"delete": stop},
        CRAWLS_PATH + "/{crawl_id}/stop": {"post": stop},
    }


def _operation(summary: str, parameters: tuple[Param, ...] | list[Param]) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": [_parameter(p) for p in parameters],
        "responses": {
            "200": {"description": "a JSON array of row objects"},
            "400": _ERROR,
            "401": _ERROR,
            "404": _ERROR,
            "503": _ERROR,
        },
    }


def _parameter(param: Param) -> dict[str, Any]:
    kind = {"type": "boolean"} if param.flag else _TYPES.get(param.parse, {"type": "string"})
    if hasattr(param.parse, "choices"):
        kind = {"type": "string", "enum": list(param.parse.choices)}
    if param.many:
        kind = {"type": "array", "items": kind}
    described: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "schema": kind,
    }
    if param.many:
        described.update(style="form", explode=True)
    return described
