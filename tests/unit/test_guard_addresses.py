"""The guard's pure checks: address spellings, public or not, the per-URL check."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.guard.addresses import is_public, literal_address
from crawler.guard.middlewares import GuardedResolver, _ResolvedToPrivate, check_url

LOOPBACK_SPELLINGS = {
    "127.0.0.1": "127.0.0.1",
    "127.0.0.1.": "127.0.0.1",
    "2130706433": "127.0.0.1",
    "0x7f000001": "127.0.0.1",
    "0X7F000001": "127.0.0.1",
    "017700000001": "127.0.0.1",
    "0177.0.0.1": "127.0.0.1",
    "0x7f.1": "127.0.0.1",
    "127.1": "127.0.0.1",
    "127.0.1": "127.0.0.1",
    "127.000.000.001": "127.0.0.1",
    "%31%32%37.0.0.1": "127.0.0.1",
    "\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11": "127.0.0.1",  # full-width
    "0": "0.0.0.0",
    "[::1]": "::1",
    "[::ffff:127.0.0.1]": "::ffff:7f00:1",
    "[::ffff:7f00:1]": "::ffff:7f00:1",
    "[0:0:0:0:0:ffff:127.0.0.1]": "::ffff:7f00:1",
    "[::127.0.0.1]": "::7f00:1",
    "[fe80::1%25eth0]": "fe80::1",
}

NON_PUBLIC = [
    "0.0.0.0", "10.1.2.3", "127.0.0.1", "100.64.0.1", "169.254.169.254", "172.16.0.1",
    "192.0.0.1", "192.0.2.1", "192.168.1.1", "198.18.0.1", "224.0.0.1", "239.255.255.250",
    "240.0.0.1", "255.255.255.255",
    "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "2001:db8::1",
    "::ffff:10.0.0.1", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe",
    "64:ff9b::7f00:1", "2002:7f00:1::", "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]  # fmt: skip
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8",
          "64:ff9b::808:808", "2002:808:808::1"]  # fmt: skip


@pytest.mark.parametrize(("host", "address"), LOOPBACK_SPELLINGS.items())
def test_literal_address_reads_every_spelling(host: str, address: str) -> None:
    assert literal_address(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.com", "example.com.", "a.1b", "1_0", "xn--nxa", "0x1g"])
def test_names_are_not_literals(host: str) -> None:
    assert literal_address(host) is None


@pytest.mark.parametrize("host", ["1.2.3.999", "127..1", "09", "1.2.3.4.5", "256.1", "0x1.08"])
def test_malformed_numeric_hosts_raise(host: str) -> None:
    with pytest.raises(ValueError):
        literal_address(host)


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_check_url_refuses_loopback_spellings(host: str) -> None:
    reason = check_url(f"http://{host}:8080/path")
    assert reason is not None and "not a public address" in reason


def test_check_url_redirect_hop() -> None:
    # What the spider queues from a 3xx's Location is checked like any URL.
    assert (
        check_url("http://user:pw@example.com@127.0.0.1:9/") == "127.0.0.1 is not a public address"
    )
    assert check_url("http://169.254.169.254/latest/meta-data/") is not None
    assert check_url("http://[::ffff:a9fe:a9fe]/") == "::ffff:a9fe:a9fe is not a public address"
    assert check_url("https://example.com/next") is None
    assert check_url("http://8.8.8.8/") is None
    assert check_url("http://134744072/") is None  # 8.8.8.8, spelled as one number


def test_check_url_schemes_and_malformed() -> None:
    assert check_url("file:///etc/passwd") == "scheme 'file' is not fetched"
    assert check_url("ftp://example.com/") == "scheme 'ftp' is not fetched"
    assert check_url("gopher://127.0.0.1:6379/", allow_private=True) is not None
    assert str(check_url("http://1.2.3.999/")).startswith("malformed numeric host '1.2.3.999'")
    assert check_url("http://127.0.0.1/", allow_private=True) is None


def test_resolver_check_refuses_and_remembers() -> None:
    resolver = GuardedResolver(reactor=None, cache_size=0, timeout=1.0)
    assert resolver._check("93.184.216.34", "example.com") == "93.184.216.34"
    with pytest.raises(
        _ResolvedToPrivate, match=r"^Evil\.Test resolves to 10\.0\.0\.1, not a public address$"
    ):
        resolver._check("10.0.0.1", "Evil.Test")
    assert dict(resolver.refusals) == {"evil.test": "10.0.0.1"}


def test_middlewares_read_settings() -> None:
    from scrapy.exceptions import NotConfigured
    from scrapy.http import HtmlResponse, Request
    from scrapy.utils.test import get_crawler

    from crawler.errors import BlockedAddress, ConfigError
    from crawler.guard.middlewares import (
        AddressGuardMiddleware,
        PageLimitsMiddleware,
        ProxyMiddleware,
    )

    with pytest.raises(NotConfigured):
        ProxyMiddleware.from_crawler(get_crawler(settings_dict={"LINKGRAPH_PROXY": ""}))
    proxy = ProxyMiddleware.from_crawler(
        get_crawler(settings_dict={"LINKGRAPH_PROXY": "http://10.0.0.5:3128"})
    )
    request = Request("http://example.com/")
    proxy.process_request(request)
    assert request.meta["proxy"] == "http://10.0.0.5:3128"

    with pytest.raises(ConfigError, match="LINKGRAPH_MAX_PAGE_BYTES"):
        PageLimitsMiddleware.from_crawler(
            get_crawler(settings_dict={"LINKGRAPH_MAX_PAGE_BYTES": 0})
        )

    # The backstop: a response from a non-public peer is never handed on.
    crawler = get_crawler(settings_dict={"LINKGRAPH_ALLOW_PRIVATE": False})
    guard = AddressGuardMiddleware.from_crawler(crawler)
    peer = ipaddress.ip_address("10.1.2.3")
    response = HtmlResponse("http://intranet.example/", body=b"", ip_address=peer)
    with pytest.raises(BlockedAddress, match=r"^refused http://intranet\.example/: connected to"):
        guard.process_response(Request("http://intranet.example/"), response)
    assert crawler.stats is not None and crawler.stats.get_value("guard/blocked") == 1
