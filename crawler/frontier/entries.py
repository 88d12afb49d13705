"""What travels between the frontier and its workers: entries (JSON objects) and the leases
that hand them out, and the checks an entry passes before it is queued or leased.

    >>> refusal({"url": "http://a.com/x", "depth": 1, "hops": 0})
    ('', 'a.com')
    >>> refusal({"url": "http://a.com/x"})
    ('bad_entries', '')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.frontier.connection import FrontierClient
from crawler.urls.canonical import MAX_URL_LENGTH, host_of

CURRENT_KEY = "lg:current"
MAX_DEPTH = 1 << 20  # depth is the high part of a queue score (exact in a double)


@dataclass(slots=True)
class Lease:
    """One entry handed to one worker until `deadline` (epoch seconds, Redis's clock)."""

    token: str
    entry: dict[str, Any]
    url: str
    host: str
    depth: int
    deadline: float
    gated: bool = True  # the host has a delay: the download gate must see its start
    shard: int = 0  # the frontier shard that leased it (tokens are unique within a shard)

    @property
    def ident(self) -> str:
        """Unique across the crawl's shards (a token alone is unique within its shard)."""
        return f"{self.shard}/{self.token}"


def prefix(crawl_id: str) -> str:
    return f"lg:{{{crawl_id}}}:"


def current_crawl(client: FrontierClient) -> str | None:
    """The id of the crawl last created on this Redis, or None."""
    value = client.get(CURRENT_KEY)
    return value.decode() if isinstance(value, bytes) else value


def ended_args(leases: Sequence[Lease]) -> list[Any]:
    args: list[Any] = [len(leases)]
    for lease in leases:
        args += (lease.token, lease.host)
    return args


def by_shard(leases: Iterable[Lease]) -> dict[int, list[Lease]]:
    groups: dict[int, list[Lease]] = {}
    for lease in leases:
        groups.setdefault(lease.shard, []).append(lease)
    return groups


def refusal(child: Any) -> tuple[str, str]:
    """("", host) for an entry to queue, else the counter that refuses it."""
    if not valid_entry(child):
        return "bad_entries", ""
    if len(child["url"]) > MAX_URL_LENGTH:
        return "too_long", ""
    host = host_of(child["url"])
    return ("", host) if host else ("bad_entries", "")


def valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("url"), str)
        and isinstance(entry.get("depth"), int)
        and isinstance(entry.get("hops"), int)
        and 0 <= entry["depth"] < MAX_DEPTH
    )


# A lease, its children, and its outcome: a counter to bump by one, or counters and their
# increments (e.g. {"done": 1, "pages": 1, "links": 40}); bumped only while the lease is held,
# so an ack retried after its first try landed counts nothing twice.
Ack = tuple[Lease, Sequence[dict[str, Any]], str | dict[str, int]]
