"""The fetch guard: what a worker may connect to, and how much of a response it will take.

crawler/settings.py enables the guard; elsewhere merge `GUARD_SETTINGS` and `GUARD_MIDDLEWARES`
(into DOWNLOADER_MIDDLEWARES) into the crawl's settings. Run the crawl with `CrawlerProcess`/
`AsyncCrawlerProcess` (they install TWISTED_DNS_RESOLVER on the reactor); with a `CrawlerRunner`,
install it yourself: ``GuardedResolver.from_crawler(runner, reactor).install_on_reactor()``.

SSRF (address checks off with LINKGRAPH_ALLOW_PRIVATE=True; the scheme check stays):
- `AddressGuardMiddleware` refuses non-http(s) schemes and hosts that are IP literals of a
  non-public address in any spelling (crawler/guard/addresses.py). Names are checked by
- `GuardedResolver`, the reactor's resolver: the address it returns is the one the download
  handler connects to, so the check and the connection cannot disagree (no TOCTOU). A 3xx is not
  followed by Scrapy here (REDIRECT_ENABLED=False): its target is a new request, guarded again.
- Through LINKGRAPH_PROXY (`ProxyMiddleware` sets ``meta["proxy"]`` on every request), the proxy
  resolves names: the guard still refuses literal non-public targets, and names that resolve
  here to a non-public address; a name that does not resolve here is let through.
A refused request fails with `BlockedAddress` ("refused <url>: <why>"), counted in
``guard/blocked`` and logged at INFO once per host.

Responses (always on):
- `PageLimitsMiddleware` caps every download at LINKGRAPH_MAX_PAGE_BYTES (``download_maxsize``,
  which Scrapy's handler enforces while streaming, with or without Content-Length, and its
  HttpCompressionMiddleware on the decompressed size, 64 KiB at a time), counts drops in
  ``guard/oversize``, and flags non-HTML responses (``NON_HTML`` in ``response.flags``,
  ``guard/non_html``) so the spider records them without parsing. HTML or not is the one rule of
  crawler/guard/mime.py; a response whose type was sniffed from its body is counted in
  ``guard/sniffed/<declared type or none>/<html|not_html>``. DOWNLOAD_TIMEOUT bounds slow
  servers (the whole download, not each read).
- `CappedCompressionMiddleware` is Scrapy's HttpCompressionMiddleware counting decompression
  bombs in ``guard/oversize``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.datatypes import LocalCache
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler import settings as defaults
from crawler.errors import BlockedAddress, ConfigError
from crawler.guard.addresses import internal_name, is_public, literal_address
from crawler.guard.mime import classify

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)

# The guard's part of crawler/settings.py (which orders it among the frontier's middlewares).
GUARD_MIDDLEWARES: dict[str, int | None] = {
    name: order
    for name, order in defaults.DOWNLOADER_MIDDLEWARES.items()
    if not name.startswith("crawler.frontier.")
}
GUARD_SETTINGS: dict[str, Any] = {
    "TWISTED_DNS_RESOLVER": defaults.TWISTED_DNS_RESOLVER,
    "DOWNLOAD_HANDLERS": defaults.DOWNLOAD_HANDLERS,
}

NON_HTML = "non-html"
ALLOWED_SCHEMES = frozenset({"http", "https"})

_MAX_REPORTED_HOSTS = 10_000
# Proxy mode: how long a host's local-resolution verdict is kept, and how many hosts.
NAME_VERDICT_TTL = 600.0
_MAX_NAME_VERDICTS = 100_000


class _ResolvedToPrivate(BlockedAddress, DNSLookupError):
    """The resolver's refusal, before the middleware names the URL.

    A DNSLookupError too, so Twisted's name resolution treats it as "no address" (no traceback);
    the resolver remembers the refusal and the middleware turns the lookup error back into this.
    """

    def __init__(self, name: str, address: str) -> None:
        super().__init__(f"{name} resolves to {address}, not a public address")
        self.name = name
        self.address = address

    def __str__(self) -> str:
        return str(self.args[0])


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses to hand out non-public addresses.

    The one exception is the host of LINKGRAPH_PROXY: the operator's proxy is trusted.
    Installed as the reactor's resolver, it also serves HostnameEndpoint (Twisted wraps it).
    """

    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        *,
        allow_private: bool = False,
        proxy_host: str | None = None,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.allow_private = allow_private
        self.proxy_host = proxy_host
        self.refusals: LocalCache[str, str] = LocalCache(_MAX_REPORTED_HOSTS)

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            allow_private=settings.getbool("LINKGRAPH_ALLOW_PRIVATE"),
            proxy_host=_proxy_host(settings.get("LINKGRAPH_PROXY", "")),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        resolved = super().getHostByName(name, timeout)
        if self.allow_private or name == self.proxy_host:
            return resolved
        return resolved.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        if _is_public_text(address):
            return address
        self.refusals[name.lower()] = address
        raise _ResolvedToPrivate(name, address)


def _is_public_text(address: str) -> bool:
    try:
        return is_public(ipaddress.ip_address(address))
    except ValueError:
        return False


def _proxy_host(proxy: str) -> str | None:
    if not proxy:
        return None
    return urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname


def check_url(url: str, *, allow_private: bool = False) -> str | None:
    """Why the guard refuses `url` before any lookup (scheme or literal address), else None.

    The check every request and every redirect hop passes; names are left to the resolver.

        >>> check_url("http://0x7f000001/")
        '127.0.0.1 is not a public address'
        >>> check_url("https://example.com/") is None
        True
    """
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        return f"scheme {parts.scheme!r} is not fetched"
    if allow_private:
        return None
    host = parts.hostname
    if not host:
        return "no host"
    try:
        address = literal_address(host)
    except ValueError as exc:
        return f"malformed numeric host {host!r} ({exc})"
    if address is not None and not is_public(address):
        return f"{address} is not a public address"
    return None


class AddressGuardMiddleware:
    """Refuses requests to non-public addresses (downloader middleware; see the module doc)."""

    def __init__(self, stats: StatsCollector, *, allow_private: bool = False) -> None:
        self.stats = stats
        self.allow_private = allow_private
        self._reported: set[str] = set()
        self._resolver_checked = False
        self._name_verdicts: dict[str, tuple[float, str | None]] = {}
        self._name_lookups: dict[str, asyncio.Future[str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None
        return cls(crawler.stats, allow_private=crawler.settings.getbool("LINKGRAPH_ALLOW_PRIVATE"))

    async def process_request(self, request: Request) -> None:
        reason = check_url(request.url, allow_private=self.allow_private)
        if self.allow_private and reason is None:
            return
        if reason is None and request.meta.get("proxy"):
            reason = await self._check_name_for_proxy(request)
        if reason is None:
            self._require_guarded_resolver()
            return
        raise self._refuse(request, reason)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.allow_private:
            return response
        # Backstop for download handlers that resolve by themselves: never hand on the content.
        peer = response.ip_address
        if peer is None or request.meta.get("proxy") or is_public(peer):
            return response
        raise self._refuse(request, f"connected to {peer}, not a public address")

    def process_exception(self, request: Request, exception: Exception) -> None:
        if self.allow_private:
            return
        if isinstance(exception, _ResolvedToPrivate):
            raise self._refuse(request, str(exception)) from exception
        if not isinstance(exception, CannotResolveHostError):
            return
        # Twisted's HostnameEndpoint reports the resolver's refusal as "no results".
        host = urlparse_cached(request).hostname or ""
        address = _guarded_resolver().refusals.get(host)
        if address is not None:
            reason = f"{host} resolves to {address}, not a public address"
            raise self._refuse(request, reason) from exception

    async def _check_name_for_proxy(self, request: Request) -> str | None:
        """The proxy resolves the name; refuse it if it resolves here to a non-public address.

        One lookup per host, shared by its concurrent requests and remembered for
        NAME_VERDICT_TTL seconds: a name this machine cannot resolve (the usual case behind a
        proxy) can cost the resolver's full timeout (5 s with glibc) on every lookup.
        """
        host = urlparse_cached(request).hostname
        assert host is not None
        if literal_address(host) is not None:
            return None  # a public literal: check_url passed it
        internal = internal_name(host)
        if internal is not None:
            return internal
        cached = self._name_verdicts.get(host)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        pending = self._name_lookups.get(host)
        if pending is None:
            pending = asyncio.ensure_future(self._name_verdict(host))
            self._name_lookups[host] = pending
            pending.add_done_callback(lambda _: self._name_lookups.pop(host, None))
        return await asyncio.shield(pending)

    async def _name_verdict(self, host: str) -> str | None:
        from twisted.internet import reactor

        try:
            address = await maybe_deferred_to_future(reactor.resolver.getHostByName(host))
        except _ResolvedToPrivate as exc:
            verdict: str | None = str(exc)
        except DNSLookupError:
            verdict = None  # the proxy may know names this worker does not
        else:
            public = _is_public_text(address)
            verdict = None if public else f"{host} resolves to {address}, not a public address"
        if len(self._name_verdicts) >= _MAX_NAME_VERDICTS:
            self._name_verdicts.clear()
        self._name_verdicts[host] = (time.monotonic() + NAME_VERDICT_TTL, verdict)
        return verdict

    def _require_guarded_resolver(self) -> None:
        if not self._resolver_checked:
            _guarded_resolver()
            self._resolver_checked = True

    def _refuse(self, request: Request, reason: str) -> BlockedAddress:
        self.stats.inc_value("guard/blocked")
        host = urlparse_cached(request).hostname or request.url
        if host not in self._reported:
            if len(self._reported) >= _MAX_REPORTED_HOSTS:
                self._reported.clear()
            self._reported.add(host)
            log.info("guard: refused %s (%s); more for this host at DEBUG", request.url, reason)
        else:
            log.debug("guard: refused %s (%s)", request.url, reason)
        return BlockedAddress(f"refused {request.url}: {reason}")


def _guarded_resolver() -> GuardedResolver:
    from twisted.internet import reactor

    resolver = getattr(reactor, "resolver", None)
    if not isinstance(resolver, GuardedResolver):
        raise ConfigError(
            "the SSRF guard needs its resolver: set TWISTED_DNS_RESOLVER to "
            "crawler.guard.middlewares.GuardedResolver and run under CrawlerProcess"
        )
    return resolver


class ProxyMiddleware:
    """Sends every request through LINKGRAPH_PROXY (Scrapy's HttpProxyMiddleware does the rest)."""

    def __init__(self, proxy: str) -> None:
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        proxy = crawler.settings.get("LINKGRAPH_PROXY", "")
        if not proxy:
            raise NotConfigured
        return cls(proxy)

    def process_request(self, request: Request) -> None:
        request.meta["proxy"] = self.proxy


class PageLimitsMiddleware:
    """Caps response size at LINKGRAPH_MAX_PAGE_BYTES and flags non-HTML responses."""

    def __init__(self, stats: StatsCollector, *, max_bytes: int) -> None:
        self.stats = stats
        self.max_bytes = max_bytes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        max_bytes = crawler.settings.getint(
            "LINKGRAPH_MAX_PAGE_BYTES", defaults.LINKGRAPH_MAX_PAGE_BYTES
        )
        if max_bytes <= 0:
            raise ConfigError(f"LINKGRAPH_MAX_PAGE_BYTES must be positive, got {max_bytes}")
        assert crawler.stats is not None
        return cls(crawler.stats, max_bytes=max_bytes)

    def process_request(self, request: Request) -> None:
        # Read by the download handler and by HttpCompressionMiddleware alike. A robots.txt
        # is cut at 500 KiB while it streams (crawler/frontier/sitefiles.py), so its declared
        # length must not cancel it first; its decompression keeps the cap (linkgraph_max_bytes).
        robots = bool(request.meta.get("linkgraph_robots"))
        request.meta["download_maxsize"] = 0 if robots else self.max_bytes
        request.meta["linkgraph_max_bytes"] = self.max_bytes

    def process_response(self, request: Request, response: Response) -> Response:
        verdict = classify(response.headers.get(b"Content-Type"), response.body)
        if verdict.sniffed:
            # Counted, so a server sending its pages as octet-stream shows in the crawl's stats.
            self.stats.inc_value(verdict.stats_key)
            log.debug("sniffed %s (%s): html=%s", request.url, verdict.declared, verdict.html)
        if not verdict.html:
            self.stats.inc_value("guard/non_html")
            response.flags.append(NON_HTML)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        # The HTTP/1.1 handler cancels a download for one reason: the size cap (checked against
        # Content-Length, then while streaming; the streaming cancel carries no message).
        if not isinstance(exception, DownloadCancelledError):
            return
        self.stats.inc_value("guard/oversize")
        limit = request.meta.get("download_maxsize", self.max_bytes)
        raise DownloadCancelledError(
            f"dropped {request.url}: response larger than {limit} bytes (LINKGRAPH_MAX_PAGE_BYTES)"
        ) from exception


class CappedCompressionMiddleware(HttpCompressionMiddleware):
    """Scrapy's HttpCompressionMiddleware, counting decompression bombs in guard/oversize."""

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response | Request:
        if "linkgraph_max_bytes" in request.meta:  # a robots.txt's download had no cap
            request.meta["download_maxsize"] = request.meta["linkgraph_max_bytes"]
        try:
            return super().process_response(request, response)
        except IgnoreRequest:
            # Its only IgnoreRequest: the decompressed body passed download_maxsize.
            assert self.stats is not None
            self.stats.inc_value("guard/oversize")
            raise
