"""The HTTP API and web app over the link graph (`linkgraph serve`, issue 17).

- `api`: the endpoint table (one per query command) and its JSON, CSV and XLSX answers;
- `crawls`: the crawls' live status endpoint;
- `pages`: the web app's server-rendered pages, over the same endpoint table;
- `app`: the aiohttp application: routes, the token check, JSON errors, access logs;
- `server`: runs it until SIGTERM or SIGINT, holding the one store handle (and a crawl beside it).

    >>> from crawler.serve.server import ServeConfig, run_server          # doctest: +SKIP
    >>> run_server(ServeConfig(data=Path("linkgraph-data")), on_ready=print)  # doctest: +SKIP
"""
