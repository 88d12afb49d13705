"""Extraction speed, side by side in one process: ours, Scrapy's LinkExtractor, bare lexbor.

"ours" is the extractor as installed (with crawler.extract._fastlinks when built); "pure" the
same with the extension switched off, as without a compiler or with LINKGRAPH_PURE_PYTHON=1.

Run `python -m bench.bench_extract`. Pages: the 94 real pages of ../shared/realweb/readability
(skipped with a message when absent), any real HTML found on this machine (docs of installed
packages, /usr/share/doc), and the HTML pages of the simulated web (crawler.testweb: each
page's own URL and Content-Type, some sites in other charsets). Each figure is the best of a
few passes, caches cleared per pass, in CPU time (process_time): on a shared machine wall time
says more about the neighbours.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor
from selectolax.lexbor import LexborHTMLParser

from crawler.extract import charset, rules
from crawler.extract import extractor as extract_module
from crawler.extract.extractor import extract_links
from crawler.testweb import build_web, truth
from crawler.testweb.render import respond
from crawler.urls import canonical as urls
from crawler.urls.canonical import registrable_domain
from tests.helpers.realweb import REALWEB

READABILITY = REALWEB / "readability"
LOCAL_HTML_ROOTS = (Path(sys.prefix) / "lib", Path("/usr/share/doc"), Path("/usr/lib/python3"))
BASE = "http://fakehost/test/page.html"
SIMULATED_WEB = (20, 50, 1)  # build_web's sites, pages per site, seed
PASSES = 5
# A page as the extractors get it: body, URL, Content-Type.
Page = tuple[bytes, str, str]
# Memos that outlive a page: cleared per pass, so no pass profits from the one before.
CACHES: list[Any] = [
    charset._from_header,
    charset.utf8_table,
    registrable_domain,
    rules.landmark_of,
    rules.name_weight,
    rules.unlikely_names,
]
# The C modules' own memos (rel values, recent hosts), when loaded.
CACHES += [
    sys.modules[name]
    for name in ("crawler.extract._fastlinks", "crawler.urls._fasturls")
    if name in sys.modules
]


def readability_pages() -> list[Page]:
    paths = sorted(READABILITY.glob("pages/*/source.html"))
    return [(path.read_bytes(), BASE, "text/html") for path in paths]


def local_pages(limit: int = 400) -> list[Page]:
    """Real HTML files already on the machine (package docs), largest variety first."""
    found: list[Page] = []
    for root in LOCAL_HTML_ROOTS:
        for path in sorted(root.rglob("*.htm*")) if root.is_dir() else ():
            if path.is_file() and path.stat().st_size > 2048:
                found.append((path.read_bytes(), BASE, "text/html"))
                if len(found) >= limit:
                    return found
    return found


def simulated_pages(sites: int, pages_per_site: int, seed: int) -> list[Page]:
    """The HTML pages (status 200) of a simulated web, as its server sends them."""
    web = build_web(sites, pages_per_site, seed)
    found: list[Page] = []
    for record in truth(web):
        if record["type"] != "page" or record["status"] != 200:
            continue
        answer = respond(web, record["url"])
        content_type = dict(answer.headers).get("Content-Type", "")
        if content_type.startswith("text/html"):
            found.append((answer.body, record["url"], content_type))
    return found


def _best(run: Callable[[], int]) -> tuple[float, int]:
    """(seconds of the fastest pass, links counted) over PASSES passes."""
    best = float("inf")
    count = 0
    for _ in range(PASSES):
        for cache in CACHES:
            cache.cache_clear()
        start = time.process_time()
        count = run()
        best = min(best, time.process_time() - start)
    return best, count


def measure(pages: list[Page]) -> dict[str, float]:
    scrapy_extractor = LinkExtractor()
    scrapy_pages = [(body, url, {"Content-Type": kind}) for body, url, kind in pages]

    def ours() -> int:
        return sum(len(extract_links(*page)) for page in pages)

    def pure() -> int:
        fast, extract_module._FAST = extract_module._FAST, None
        try:
            return ours()
        finally:
            extract_module._FAST = fast

    def scrapy() -> int:  # from the bytes too: the response (its decoding) is Scrapy's work
        return sum(
            len(scrapy_extractor.extract_links(HtmlResponse(url, body=body, headers=headers)))
            for body, url, headers in scrapy_pages
        )

    def lexbor() -> int:
        for body, _, _ in pages:
            LexborHTMLParser(body)
        return 0

    ours_s, ours_n = _best(ours)
    pure_s, _ = _best(pure)
    scrapy_s, scrapy_n = _best(scrapy)
    lexbor_s, _ = _best(lexbor)
    return {
        "pages": len(pages),
        "mb": sum(len(body) for body, _, _ in pages) / 1e6,
        "ours_s": ours_s,
        "ours_links": ours_n,
        "ours_links_per_s": ours_n / ours_s,
        "fast_walk": float(extract_module._FAST is not None),
        "pure_s": pure_s,
        "pure_links_per_s": ours_n / pure_s,
        "scrapy_s": scrapy_s,
        "scrapy_links": scrapy_n,
        "scrapy_links_per_s": scrapy_n / scrapy_s,
        "lexbor_s": lexbor_s,
        "links_per_s_ratio_vs_scrapy": (ours_n / ours_s) / (scrapy_n / scrapy_s),
        "time_ratio_scrapy_over_ours": scrapy_s / ours_s,
        "time_ratio_ours_over_lexbor": ours_s / lexbor_s,
        "pure_links_per_s_ratio_vs_scrapy": (ours_n / pure_s) / (scrapy_n / scrapy_s),
        "time_ratio_pure_over_lexbor": pure_s / lexbor_s,
    }


def measure_join(pages: list[Page]) -> dict[str, float]:
    """Cost per href of resolving it: the fast join (C when built) against ada's WHATWG
    parse (ada-url, the slow path and the reference), on every href of the pages, no memo."""
    hrefs = [
        (url, node.attributes.get("href") or "")
        for body, url, _ in pages
        for node in LexborHTMLParser(body).css("a[href]")
    ]
    resolvers = {url: urls.Resolver(url) for url, _ in hrefs}

    def fast() -> int:
        found = 0
        for url, href in hrefs:
            resolver = resolvers[url]
            if not resolver.scheme:  # a base the fast join does not take: all to ada
                continue
            if urls._JOIN is not None:
                joined = urls._JOIN(
                    href, resolver.scheme, resolver.origin, resolver.path, resolver.directory
                )
            else:
                joined = resolver._fast(href)
            found += joined is not None
        return found

    def whatwg() -> int:
        return sum(urls.resolve(url, href) is not None for url, href in hrefs)

    fast_s, fast_n = _best(fast)
    ada_s, ada_n = _best(whatwg)
    return {
        "hrefs": len(hrefs),
        "fast_joined": fast_n,
        "fast_ns_per_href": fast_s / len(hrefs) * 1e9,
        "ada_links": ada_n,
        "ada_ns_per_href": ada_s / len(hrefs) * 1e9,
        "ada_over_fast": ada_s / fast_s,
    }


def _print(name: str, figures: dict[str, float]) -> None:
    print(
        f"{name}: {figures['pages']:.0f} pages, {figures['mb']:.1f} MB\n"
        f"  ours   {figures['ours_s']:.3f} s  {figures['ours_links']:.0f} links "
        f"{figures['ours_links_per_s']:,.0f} links/s\n"
        f"  pure   {figures['pure_s']:.3f} s  {figures['pure_links_per_s']:,.0f} links/s "
        f"(C-speed walk off; x{figures['pure_links_per_s_ratio_vs_scrapy']:.1f} Scrapy, "
        f"x{figures['time_ratio_pure_over_lexbor']:.2f} lexbor)\n"
        f"  scrapy {figures['scrapy_s']:.3f} s  {figures['scrapy_links']:.0f} links "
        f"{figures['scrapy_links_per_s']:,.0f} links/s\n"
        f"  lexbor {figures['lexbor_s']:.3f} s (parse only)\n"
        f"  links/s vs Scrapy x{figures['links_per_s_ratio_vs_scrapy']:.1f}, "
        f"time vs Scrapy x{figures['time_ratio_scrapy_over_ours']:.1f} faster, "
        f"time vs bare lexbor x{figures['time_ratio_ours_over_lexbor']:.2f}"
    )


def main() -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    if READABILITY.is_dir():
        results["readability"] = measure(readability_pages())
        _print("readability", results["readability"])
    else:
        print(f"readability pages absent ({READABILITY}): skipped")
    local = local_pages()
    if local:
        results["local"] = measure(local)
        _print("local html", results["local"])
    else:
        print("no local HTML found: skipped")
    simulated = simulated_pages(*SIMULATED_WEB)
    results["simulated"] = measure(simulated)
    _print(f"simulated web build_web{SIMULATED_WEB}", results["simulated"])
    join = results["join"] = measure_join(simulated + local)
    print(
        f"href resolution, {join['hrefs']:.0f} hrefs of the pages above: fast join "
        f"{join['fast_ns_per_href']:,.0f} ns/href ({join['fast_joined']:.0f} joined, the rest "
        f"left to ada), ada (ada-url) {join['ada_ns_per_href']:,.0f} ns/href, "
        f"x{join['ada_over_fast']:.1f} the fast join's cost"
    )
    return results


if __name__ == "__main__":
    main()
