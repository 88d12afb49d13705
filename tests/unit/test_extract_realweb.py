"""Main-content labels on 94 real pages (mozilla/readability's test pages, ../shared/realweb).

Per page and unique URL: predicted main when some occurrence of the URL is labeled `main`;
truth is the page's `main_content_hrefs` that occur among the page's `a`/`area` links.
The README's peers: trafilatura 0.91 F1, readability-lxml 0.90, a naive ancestor rule 0.64.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extract.extractor import extract_links
from crawler.urls.canonical import canonicalize
from tests.helpers.realweb import REALWEB

pytestmark = pytest.mark.usefixtures("speed_path")  # each test on the C and the Python path

READABILITY = REALWEB / "readability"

pytestmark = pytest.mark.realweb


def _canonical(urls: list[str]) -> set[str]:
    found = set()
    for url in urls:
        try:
            found.add(canonicalize(url))
        except ValueError:  # about:blank and the like in the ground truth
            continue
    return found


def main_content_scores(root: Path = READABILITY) -> tuple[float, float, float]:
    """(precision, recall, F1) of the `main` label over every page of the set."""
    hits = false_alarms = misses = 0
    for line in (root / "main_content_links.jsonl").read_text().splitlines():
        page = json.loads(line)
        body = (root / "pages" / page["page"] / "source.html").read_bytes()
        links = [x for x in extract_links(body, page["doc_base"]) if x.kind in ("a", "area")]
        predicted = {x.dst_url for x in links if x.section == "main"}
        truth = _canonical(page["main_content_hrefs"]) & {x.dst_url for x in links}
        hits += len(predicted & truth)
        false_alarms += len(predicted - truth)
        misses += len(truth - predicted)
    precision = hits / (hits + false_alarms)
    recall = hits / (hits + misses)
    return precision, recall, 2 * precision * recall / (precision + recall)


@pytest.mark.skipif(not READABILITY.is_dir(), reason=f"real pages absent: {READABILITY}")
def test_main_content_f1() -> None:
    precision, recall, f1 = main_content_scores()
    print(f"main content: precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    assert f1 >= 0.90
