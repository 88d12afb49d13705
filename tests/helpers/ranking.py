"""The simulated web's domains ranked by the links they receive, from its truth records: the
most linked domain is the one a first page's speed-ups (shortlist, candidates) are for.

    >>> most_linked([{"type": "link", "src_domain": "a.com", "dst_domain": "b.com"}])
    ['b.com']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any


def most_linked(records: Iterable[dict[str, Any]]) -> list[str]:
    """The linked domains, most linked first (links from other domains; ties by name)."""
    counts = Counter(
        r["dst_domain"]
        for r in records
        if r["type"] == "link" and r["src_domain"] != r["dst_domain"]
    )
    return sorted(counts, key=lambda d: (-counts[d], d))
