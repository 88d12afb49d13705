"""Issue 14: behind --proxy the proxy resolves names, so the guard refuses the names only a
private network resolves (single-label, reserved suffixes) unless --allow-private."""

from __future__ import annotations

import asyncio

import pytest
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.errors import BlockedAddress
from crawler.guard.addresses import internal_name
from crawler.guard.middlewares import AddressGuardMiddleware

PROXY = "http://10.0.0.5:3128"


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("intranet", "intranet is a single-label name, resolved only on a private network"),
        ("md.google.internal", "md.google.internal is under .internal, a private-network name"),
        ("Printer.LOCAL.", "Printer.LOCAL. is under .local, a private-network name"),
        ("app.localhost", "app.localhost is under .localhost, a private-network name"),
        ("api.default.svc", "api.default.svc is under .svc, a private-network name"),
        ("nas.home.arpa", "nas.home.arpa is under .home.arpa, a private-network name"),
        ("x\u3002internal", "x\u3002internal is under .internal, a private-network name"),
    ],
)  # fmt: skip
def test_internal_names(host: str, why: str) -> None:
    assert internal_name(host) == why


@pytest.mark.parametrize("host", ["example.com", "internal.example.com", "local.com", "svc.io"])
def test_public_names(host: str) -> None:
    assert internal_name(host) is None


def _guard(allow_private: bool) -> AddressGuardMiddleware:
    crawler = get_crawler(settings_dict={"LINKGRAPH_ALLOW_PRIVATE": allow_private})
    return AddressGuardMiddleware.from_crawler(crawler)


@pytest.mark.parametrize("url", ["http://intranet/", "http://metadata.google.internal/x"])
def test_the_guard_refuses_them_through_a_proxy(url: str) -> None:
    request = Request(url, meta={"proxy": PROXY})
    with pytest.raises(BlockedAddress, match=r"private-network name|single-label"):
        asyncio.run(_guard(False).process_request(request))
    assert asyncio.run(_guard(True).process_request(request)) is None
