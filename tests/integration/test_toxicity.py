"""Toxicity on a store: the shared-address-block reason read from stored page addresses, on
chDB and on clickhouse-server 18.16."""

from __future__ import annotations

from crawler.analysis.toxicity import score_domain
from crawler.records import OutLink, Page
from pipelines.store import open_store
from tests.helpers.e2e import Engine

T = "shoes.com"


def _fetch(src: str, ip: str, when: float = 1.7e9) -> tuple[Page, OutLink]:
    """A fetch of `src`, served from `ip`, with one link to the target."""
    host = src.split("/")[2]
    page = Page(url=src, host=host, domain=host, status=200, outlink_count=1, fetched_at=when,
                ip=ip)  # fmt: skip
    link = OutLink(src, "http://shoes.com/", "shoes", src_host=host, src_domain=host,
                   dst_host=T, dst_domain=T, is_external=True, fetched_at=when)  # fmt: skip
    return page, link


def test_shared_address_block_on_stored_addresses(engine: Engine) -> None:
    fetches = [
        # 93.184.216.0/24 serves a.net, b.net, c.net; k.net left it (its latest fetch moved).
        _fetch("http://a.net/1", "93.184.216.10"),
        _fetch("http://b.net/1", "93.184.216.11"),
        _fetch("http://c.net/1", "::ffff:93.184.216.12"),
        _fetch("http://k.net/1", "93.184.216.99", when=1.6e9),
        # 151.101.1.0/24 serves a.net (its second page), k.net, l.net, m.net.
        _fetch("http://a.net/2", "151.101.1.5"),
        _fetch("http://k.net/1", "151.101.1.1"),
        _fetch("http://l.net/1", "151.101.1.6"),
        _fetch("http://m.net/1", "151.101.1.7"),
        # 2a00:1450:4001::/48 serves d, e, f.org; g.org is in the next /48.
        _fetch("http://d.org/1", "2a00:1450:4001:82a::1"),
        _fetch("http://e.org/1", "2a00:1450:4001:1::2"),
        _fetch("http://f.org/1", "2a00:1450:4001:ffff::3"),
        _fetch("http://g.org/1", "2a00:1450:4002::1"),
        # Private addresses (a proxy, a LAN) and no address at all say nothing.
        _fetch("http://h.com/1", "10.0.0.5"),
        _fetch("http://i.com/1", "10.0.0.6"),
        _fetch("http://j.com/1", "10.0.0.7"),
        _fetch("http://n.com/1", ""),
    ]
    store = open_store(engine.target)
    try:
        store.migrate()
        store.insert([page for page, _ in fetches], [link for _, link in fetches])
        domains = score_domain(store, T).domains
    finally:
        store.close()

    def served(block: str, others: str) -> tuple[str, ...]:
        return (f"shared_address: served from {block}, as {others} +15",)

    v4, v4b, v6 = "93.184.216.0/24", "151.101.1.0/24", "2a00:1450:4001::/48"
    assert [(d.ref_domain, d.score, d.links, d.pages, d.reasons) for d in domains] == [
        ("a.net", 15.0, 2, 2, served(v4b, "3 other referring domains (k.net, l.net, m.net)")),
        ("b.net", 15.0, 1, 1, served(v4, "2 other referring domains (a.net, c.net)")),
        ("c.net", 15.0, 1, 1, served(v4, "2 other referring domains (a.net, b.net)")),
        ("d.org", 15.0, 1, 1, served(v6, "2 other referring domains (e.org, f.org)")),
        ("e.org", 15.0, 1, 1, served(v6, "2 other referring domains (d.org, f.org)")),
        ("f.org", 15.0, 1, 1, served(v6, "2 other referring domains (d.org, e.org)")),
        ("k.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, l.net, m.net)")),
        ("l.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, k.net, m.net)")),
        ("m.net", 15.0, 1, 1, served(v4b, "3 other referring domains (a.net, k.net, l.net)")),
        ("g.org", 0.0, 1, 1, ()),
        ("h.com", 0.0, 1, 1, ()),
        ("i.com", 0.0, 1, 1, ()),
        ("j.com", 0.0, 1, 1, ()),
        ("n.com", 0.0, 1, 1, ()),
    ]
