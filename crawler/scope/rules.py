"""Which discovered URLs a crawl follows: scope mode, include/exclude patterns, depth.

>>> scope = Scope("domain", ["http://www.example.co.uk/"], exclude=[r"/private/"])
>>> scope.allows("http://shop.example.co.uk/a", depth=1)
True
>>> scope.allows("http://other.com/", depth=1), scope.allows("http://example.co.uk/private/x", 1)
(False, False)
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from crawler.urls.canonical import host_of, registrable_domain

SCOPE_MODES = ("host", "domain", "any")


class Scope:
    def __init__(
        self,
        mode: str,
        seeds: Iterable[str],
        *,
        include: Iterable[str] = (),
        exclude: Iterable[str] = (),
        max_depth: int = 0,
    ) -> None:
        if mode not in SCOPE_MODES:
            raise ValueError(f"scope must be one of {', '.join(SCOPE_MODES)}, not {mode!r}")
        self.mode = mode
        hosts = {host_of(url) for url in seeds}
        self.hosts = frozenset(hosts)
        self.domains = frozenset(registrable_domain(host) for host in hosts)
        self.include = [re.compile(p) for p in include]
        self.exclude = [re.compile(p) for p in exclude]
        self.max_depth = max_depth  # 0: no limit

    def allows(self, url: str, depth: int, host: str = "", domain: str = "") -> bool:
        if self.max_depth and depth > self.max_depth:
            return False
        if not self._in_mode(url, host, domain):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def _in_mode(self, url: str, host: str, domain: str) -> bool:
        if self.mode == "any":
            return True
        host = host or host_of(url)
        if self.mode == "host":
            return host in self.hosts
        return (domain or registrable_domain(host)) in self.domains
