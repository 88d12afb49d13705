"""Small hand-made records the unit and integration tests share: page fetches with their links,
sink items, a link list for the authority scores.

    pages, links = fetch("http://a.com/1", T1, ("http://c1.com/x", "A1"))
"""

from __future__ import annotations

from crawler.records import Fetched, OutLink, Page

T0, T1, T2 = 1_700_000_000.0, 1_700_000_100.0, 1_700_000_200.0


def domain_of(url: str) -> str:
    return url.split("/")[2]


def fetch(src: str, when: float, *targets: tuple[str, str] | tuple[str, str, tuple[str, ...]]):
    """A page fetch of `src` with links to `targets` (dst_url, anchor[, rel]), in order."""
    page = Page(url=src, host=domain_of(src), domain=domain_of(src), status=200,
                outlink_count=len(targets), fetched_at=when, crawl_id="c1")  # fmt: skip
    links = [
        OutLink(src_url=src, dst_url=t[0], anchor=t[1], rel=t[2] if len(t) > 2 else (),
                ordinal=i, section="main", src_host=domain_of(src), src_domain=domain_of(src),
                dst_host=domain_of(t[0]), dst_domain=domain_of(t[0]),
                is_external=domain_of(src) != domain_of(t[0]), fetched_at=when, crawl_id="c1")
        for i, t in enumerate(targets)
    ]  # fmt: skip
    return [page], links


GRAPH = [
    fetch("http://a.com/1", T1, ("http://c1.com/x", "A1"), ("http://c2.com/", "A2"),
          ("http://c1.com/x", "A1 footer", ("nofollow",))),
    fetch("http://b.com/1", T1, ("http://c1.com/", "B1")),
    fetch("http://b.com/2", T1, ("http://c2.com/y", "B2", ("nofollow",))),
    fetch("http://d.com/1", T1, ("http://c1.com/", "D1"), ("http://t.com/", "DT")),
    fetch("http://e.com/1", T1, ("http://c3.com/", "E3")),
    fetch("http://c1.com/", T1, ("http://c2.com/", "C1C2"), ("http://c1.com/about", "self")),
    fetch("http://t.com/", T1, ("http://c1.com/", "TC1")),
    fetch("http://f.com/1", T0, ("http://t.com/", "old FT")),
    fetch("http://f.com/1", T2, ("http://c1.com/", "F1"), ("http://c2.com/", "F2")),
]  # fmt: skip


def item(n: int, links: int = 3, when: float = 1_700_000_000.0) -> Fetched:
    src = f"http://s{n}.com/p"
    page = Page(url=src, host=f"s{n}.com", domain=f"s{n}.com", status=200, fetched_at=when)
    out = [
        OutLink(src_url=src, dst_url=f"http://t{k}.org/{n}", anchor=f"a{n}-{k}", ordinal=k,
                src_domain=f"s{n}.com", dst_domain=f"t{k}.org", fetched_at=when)
        for k in range(links)
    ]  # fmt: skip
    return Fetched(page=page, links=out, lease=f"lease-{n}")


LINKS = [
    ("http://www.a.com/", "http://www.a.com/about"),
    ("http://www.a.com/", "http://blog.a.com/post"),
    ("http://www.a.com/about", "http://b.org/"),
    ("http://www.a.com/about", "http://b.org/"),  # repeated: counted once
    ("http://blog.a.com/post", "http://blog.a.com/post"),  # self-link: dropped
    ("http://blog.a.com/post", "http://b.org/x"),
    ("http://b.org/x", "http://www.a.com/"),
]
