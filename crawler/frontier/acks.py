"""An acknowledgement as ack-script calls (crawler.frontier.scripts.ACK_LUA) of bounded size.

A page's children go in calls of at most CHILDREN_PER_CALL each, so no single call holds Redis
for long (a 527k-link page in one call blocked Valkey past the clients' 10 s timeout); all of
them land before the call that finishes the leases, whose counters count once per lease.

    >>> len(chunked({"a.com": [1, 0, "{}"] * 5, "b.com": [2, 0, "{}"] * 3}, 4))
    2
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crawler.frontier.entries import Ack, refusal
from crawler.frontier.seen import seen_member

# Children per script call: 2,000 took Valkey 45-58 ms (seen set, queue, wake-ups) on a loaded
# 2-core machine; 1,000 keep a worker's lease or gate call from waiting ~50 ms behind one.
CHILDREN_PER_CALL = 1000

Fields = dict[str, list[Any]]  # host -> its children as flat (seen member, depth, entry) triples
Call = tuple[int, list[Any]]  # (shard, the ack script's own arguments)


@dataclass
class AckPlan:
    """The calls of one acknowledgement: `early` (children only, made durable first), then
    `late` (each finishing a shard's leases, maybe with that shard's last children)."""

    early: list[Call] = field(default_factory=list)
    late: list[Call] = field(default_factory=list)


def plan(
    acks: Sequence[Ack],
    children: Sequence[dict[str, Any]] | None,
    counters: dict[str, int],
    shard_of: Callable[[str], int],
) -> AckPlan:
    """The calls that finish `acks` and queue their children (or `children`, queued outside
    any lease), `counters` riding with the last call. A lease's own tallies (its children
    offered or refused) count with the lease, once; an empty plan when there is nothing to do."""
    counts = {name: n for name, n in counters.items() if n}
    by_shard: dict[int, Fields] = {}

    def offer(kids: Sequence[dict[str, Any]]) -> dict[str, int]:
        tally: dict[str, int] = {}
        for child in kids:
            why, host = refusal(child)
            if not why:
                raw = json_entry(child)
                fields = by_shard.setdefault(shard_of(host), {}).setdefault(host, [])
                fields.extend((seen_member(child["url"]), child["depth"], raw))
                why = "offered"
            tally[why] = tally.get(why, 0) + 1
        return tally

    if children is None:
        acks = [(lease, own, merged(outcome, offer(own))) for lease, own, outcome in acks]
    else:
        for name, n in offer(children).items():
            counts[name] = counts.get(name, 0) + n
    if not acks and not by_shard and not counts:
        return AckPlan()
    acked: dict[int, list[Ack]] = {}
    for item in acks:
        acked.setdefault(item[0].shard, []).append(item)
    # One shard's leases alone take that shard's last children along (one call for a page).
    solo = next(iter(acked)) if len(acked) == 1 else None
    early: list[tuple[int, Fields]] = []
    tail: Fields = {}
    for shard in sorted(by_shard):
        pieces = chunked(by_shard[shard], CHILDREN_PER_CALL)
        if shard == solo:
            tail = pieces.pop()
        early += [(shard, piece) for piece in pieces]
    late = [(s, tail if s == solo else {}) for s in sorted(acked)]
    if not early and not late:
        early.append((0, {}))  # counters alone
    # The counters ride with the last call: a failed call retried later counts them once.
    n_early = len(early) - (0 if late else 1)
    return AckPlan(
        early=[
            (s, ack_args([], f, {} if i < n_early else counts)) for i, (s, f) in enumerate(early)
        ],
        late=[
            (s, ack_args(acked[s], f, {} if i < len(late) - 1 else counts))
            for i, (s, f) in enumerate(late)
        ],
    )


def chunked(by_host: Fields, limit: int) -> list[Fields]:
    """`by_host` cut into pieces of at most `limit` children each, a host split where it must."""
    pieces: list[Fields] = []
    piece: Fields = {}
    room = limit
    for host, fields in by_host.items():
        start = 0
        while start < len(fields):
            take = min(len(fields) - start, 3 * room)
            piece.setdefault(host, []).extend(fields[start : start + take])
            start, room = start + take, room - take // 3
            if room == 0:
                pieces.append(piece)
                piece, room = {}, limit
    if piece or not pieces:
        pieces.append(piece)
    return pieces


def merged(outcome: str | dict[str, int], tally: dict[str, int]) -> dict[str, int]:
    """A lease's counters: its outcome's, plus its children's tally."""
    bumps = {outcome: 1} if isinstance(outcome, str) else dict(outcome)
    for name, n in tally.items():
        bumps[name] = bumps.get(name, 0) + n
    return bumps


def json_entry(entry: dict[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"))


def ack_args(acks: Sequence[Ack], by_host: Fields, counts: dict[str, int]) -> list[Any]:
    """The ack script's own arguments (crawler.frontier.scripts.ACK_LUA): the leases to finish
    with their counters, the counters to bump, and per host its children as (seen member,
    depth, entry) triples."""
    args: list[Any] = [len(acks)]
    for lease, _, outcome in acks:
        bumps = {outcome: 1} if isinstance(outcome, str) else outcome
        args += (lease.token, lease.host, len(bumps))
        for name, n in bumps.items():
            args += (name, n)
    args.append(len(counts))
    for name, n in counts.items():
        args += (name, n)
    args.append(sum(len(fields) // 3 for fields in by_host.values()))
    for host, fields in by_host.items():
        args += (host, len(fields) // 3, *fields)
    return args
