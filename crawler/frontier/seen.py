"""The seen set: every URL the crawl ever queued, as 64-bit fingerprints in Redis integer sets.

Exact, about 8.3 bytes per URL: each fingerprint is a signed 64-bit integer in one of many Redis
SETs, which Redis keeps as an ``intset`` (a sorted array of int64, 8 bytes per member) while a
set holds at most ``set-max-intset-entries`` (512 by default) members. One SADD per link is both
the probe and the insert (its reply is the "seen" answer).

The sets are buckets of a linear hash table, so the bucket count follows the crawl's size and no
bucket outgrows an intset: bucket ``lg:{crawl}:s:<n>``; the hash ``lg:{crawl}:sc`` holds the
member count ``n``, the ``level`` and the ``split`` pointer. There are ``BASE * 2**level + split``
buckets; when the average reaches ``FILL`` members, bucket ``split`` moves about half its members
to bucket ``split + BASE * 2**level`` (one bucket per split, never the whole set). Unsplit buckets
hold at most ~2*FILL = 400 members on average, 5 standard deviations under 512.

A member's bucket comes from 32 high bits of its fingerprint, computed in Lua from the member's
decimal form (the same function at insert and at split, so the two always agree).

    >>> seen_member("http://a.com/")  # doctest: +SKIP
    '-7216...'            # the fingerprint - 2**63, in decimal: what the Lua `seen_add` takes
"""

from __future__ import annotations

from crawler.urls.canonical import fingerprint

BASE = 64  # buckets at level 0
FILL = 200  # average members per bucket before a split


def seen_member(url: str) -> str:
    """The URL's 64-bit fingerprint as a signed decimal integer (what the seen sets hold)."""
    return str(fingerprint(url) - (1 << 63))


# A Lua fragment: `seen_load()` reads the table's shape once per call, `seen_add(member)`
# returns 1 when the fingerprint is new (and records it), 0 when it was seen; `seen_flush()`
# splits buckets as needed and writes the shape back. Needs P (the crawl's key prefix) in scope.
SEEN_LUA = f"""
local SEEN_BASE = {BASE}
local SEEN_FILL = {FILL}
"""
SEEN_LUA += r"""
local SEEN_SHAPE = P .. 'sc'
local seen_n, seen_level, seen_split, seen_new = 0, 0, 0, 0

-- 32 high bits of the fingerprint; doubles round the same way at insert and at split.
local function seen_hash(m)
  return math.floor((tonumber(m) + 9223372036854775808) / 2147483648) % 4294967296
end

local function seen_bucket(h)
  local round = SEEN_BASE * 2 ^ seen_level
  local b = h % round
  if b < seen_split then b = h % (2 * round) end
  return b
end

local function seen_load()
  local st = redis.call('HMGET', SEEN_SHAPE, 'n', 'level', 'split')
  seen_n = tonumber(st[1]) or 0
  seen_level = tonumber(st[2]) or 0
  seen_split = tonumber(st[3]) or 0
end

-- 1 when member (a signed decimal int64) is new, and now recorded; 0 when seen before.
local function seen_add(m)
  if redis.call('SADD', P .. 's:' .. seen_bucket(seen_hash(m)), m) == 0 then return 0 end
  seen_new = seen_new + 1
  return 1
end

local function seen_split_one()
  local round = SEEN_BASE * 2 ^ seen_level
  local from = P .. 's:' .. seen_split
  local target = seen_split + round
  local moving = {}
  for _, m in ipairs(redis.call('SMEMBERS', from)) do
    if seen_hash(m) % (2 * round) == target then moving[#moving + 1] = m end
  end
  for i = 1, #moving, 1000 do
    local chunk = {unpack(moving, i, math.min(i + 999, #moving))}
    redis.call('SREM', from, unpack(chunk))
    redis.call('SADD', P .. 's:' .. target, unpack(chunk))
  end
  seen_split = seen_split + 1
  if seen_split == round then
    seen_level = seen_level + 1
    seen_split = 0
  end
end

-- Split the buckets the new members filled, and write the table's shape back.
local function seen_flush()
  if seen_new == 0 then return end
  seen_n = seen_n + seen_new
  while seen_n > SEEN_FILL * (SEEN_BASE * 2 ^ seen_level + seen_split) do seen_split_one() end
  redis.call('HSET', SEEN_SHAPE, 'n', seen_n, 'level', seen_level, 'split', seen_split)
end
"""
