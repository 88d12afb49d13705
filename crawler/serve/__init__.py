"""The HTTP API and web app over the link graph (`linkgraph serve`, issue 17).

- `app`: the aiohttp application: routes, the token check, JSON errors, access logs;
- `server`: runs it until SIGTERM or SIGINT, holding the one store handle.

    >>> from crawler.serve.server import ServeConfig, run_server          # doctest: +SKIP
    >>> run_server(ServeConfig(data=Path("linkgraph-data")), on_ready=print)  # doctest: +SKIP
"""
