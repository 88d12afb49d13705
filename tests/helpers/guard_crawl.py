"""Run one guarded Scrapy crawl in this process and print what became of each URL, as JSON.

The guard tests (tests/e2e/test_guard_crawl.py) start this as a subprocess, so every crawl gets a
fresh reactor and its own memory measurement:

    python tests/helpers/guard_crawl.py \
        '{"urls": ["http://127.1:8000/"], "settings": {}, "hosts": {}}'

"hosts" injects resolver answers ({"evil.test": "127.0.0.1"}): the one mock, a DNS record.
A 3xx is followed the way the links spider does it (REDIRECT_ENABLED=False): its Location becomes
a new request, which the guard checks again. Output: {"results": {url: outcome}, "stats": {...},
"rss_before_kb": int, "rss_peak_kb": int}.
"""

from __future__ import annotations

import json
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import scrapy
from scrapy.crawler import CrawlerProcess
from twisted.python.failure import Failure

from crawler import settings as defaults
from crawler.guard.middlewares import GUARD_MIDDLEWARES, GUARD_SETTINGS, NON_HTML

# The production values that shape what the guard sees.
_PRODUCTION = [
    "DNS_TIMEOUT", "DOWNLOAD_MAXSIZE", "DOWNLOAD_TIMEOUT", "DOWNLOAD_WARNSIZE",
    "HTTPERROR_ALLOW_ALL", "LINKGRAPH_ALLOW_PRIVATE", "LINKGRAPH_MAX_PAGE_BYTES",
    "LINKGRAPH_PROXY", "METAREFRESH_ENABLED", "REDIRECT_ENABLED", "RETRY_ENABLED",
    "RETRY_TIMES", "USER_AGENT", "COOKIES_ENABLED", "TELNETCONSOLE_ENABLED",
]  # fmt: skip


def proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def inject_hosts(hosts: dict[str, str]) -> None:
    real: Callable[[str], str] = socket.gethostbyname

    def gethostbyname(name: str) -> str:
        return hosts[name] if name in hosts else real(name)

    socket.gethostbyname = gethostbyname


class GuardProbe(scrapy.Spider):
    name = "guard_probe"

    def __init__(self, urls: list[str], results: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.results = results

    async def start(self) -> Any:
        for url in self.urls:
            yield self.request(url)

    def request(self, url: str) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        self.results[response.request.url if response.request else response.url] = {
            "status": response.status,
            "bytes": len(response.body),
            "non_html": NON_HTML in response.flags,
        }
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            yield self.request(response.urljoin(location.decode("latin-1")))

    def failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.results[request.url] = {
            "status": 0,
            "error": type(failure.value).__name__,
            "message": str(failure.value),
        }


def main() -> None:
    spec = json.loads(sys.argv[1])
    inject_hosts(spec.get("hosts", {}))
    settings: dict[str, Any] = {name: getattr(defaults, name) for name in _PRODUCTION}
    settings.update(GUARD_SETTINGS)
    settings["DOWNLOADER_MIDDLEWARES"] = GUARD_MIDDLEWARES
    settings["LOG_LEVEL"] = "INFO"
    settings.update(spec.get("settings", {}))
    results: dict[str, Any] = {}
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(GuardProbe)
    rss_before = proc_status_kb("VmRSS")
    process.crawl(crawler, urls=spec["urls"], results=results)
    process.start()
    assert crawler.stats is not None
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int)}
    json.dump(
        {
            "results": results,
            "stats": stats,
            "rss_before_kb": rss_before,
            "rss_peak_kb": proc_status_kb("VmHWM"),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
