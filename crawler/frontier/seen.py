"""The seen set: every URL the crawl ever queued, as 64-bit fingerprints packed into Redis strings.

Exact, about 7-12 bytes per URL once a crawl holds ~100k URLs (a Redis SET of URL strings
costs ~100). The 64-bit fingerprint (crawler.urls.fingerprint) picks one of 4,096 segment keys
``lg:{crawl}:s:<n>`` by its top 12 bits; each segment is an open-addressing hash table in one
string of 7-byte slots (the fingerprint's low 56 bits; linear probing), read and written with
GETRANGE/SETRANGE, so a lookup moves a hundred bytes, never the whole segment. The hash
``lg:{crawl}:sc`` holds each segment's count, from which its capacity follows; a segment grows
by half when an insert would fill it past 90% (one segment is rehashed at a time, so no call
ever rehashes the whole set).

    >>> fingerprint_bytes("http://a.com/")  # doctest: +SKIP
    b'\\x9c...'           # 8 bytes, big-endian: what the Lua `seen_add` takes
"""

from __future__ import annotations

from crawler.urls import fingerprint

SEGMENT_BITS = 12
SLOT_BYTES = 7


def fingerprint_bytes(url: str) -> bytes:
    """The URL's 64-bit fingerprint as 8 big-endian bytes (the wire form the scripts take)."""
    return fingerprint(url).to_bytes(8, "big")


# A Lua fragment: `seen_add(fp8)` returns 1 when the fingerprint is new (and records it), 0 when
# it was seen; `seen_flush()` writes the segments' count headers once per script call.
# Needs P (the crawl's key prefix) in scope.
SEEN_LUA = r"""
local SLOT = 7
local ZERO = string.rep('\0', SLOT)
local WINDOW = 16
local SEEN_COUNTS = P .. 'sc'
local seen_segments = {}

-- A segment's capacity follows from its count: it starts at 4 slots and grows by half
-- (plus one) whenever an insert would fill it past 90%.
local function seen_cap(count)
  local cap = 4
  while count > cap * 0.9 do cap = math.floor(cap * 1.5) + 1 end
  return cap
end

-- Read the counts of the segments `fps` will touch, in one call.
local function seen_load(fps)
  local fields, keys = {}, {}
  for _, fp in ipairs(fps) do
    local b1, b2 = string.byte(fp, 1, 2)
    local seg = b1 * 16 + math.floor(b2 / 16)
    if not keys[seg] then
      keys[seg] = true
      fields[#fields + 1] = seg
    end
  end
  if #fields == 0 then return end
  local counts = redis.call('HMGET', SEEN_COUNTS, unpack(fields))
  for i, seg in ipairs(fields) do
    local count = tonumber(counts[i]) or 0
    seen_segments[seg] = {count = count, cap = seen_cap(count), dirty = false}
  end
end

local function seen_grow(key, st)
  local data = redis.call('GET', key)
  local cap = math.floor(st.cap * 1.5) + 1
  local slots = {}
  for i = 0, st.cap - 1 do
    local s = string.sub(data, 1 + i * SLOT, (i + 1) * SLOT)
    if s ~= ZERO and s ~= '' then
      local j = struct.unpack('>I4', s, 4) % cap
      while slots[j] do j = (j + 1) % cap end
      slots[j] = s
    end
  end
  local parts = {}
  for i = 0, cap - 1 do parts[i + 1] = slots[i] or ZERO end
  redis.call('SET', key, table.concat(parts))
  st.cap = cap
end

-- Find v in the segment: returns 0 when present, or 1 and the free slot it would go to.
local function seen_probe(key, st, v)
  local pos = struct.unpack('>I4', v, 4) % st.cap
  while true do
    local w = math.min(WINDOW, st.cap - pos)
    local chunk = redis.call('GETRANGE', key, pos * SLOT, (pos + w) * SLOT - 1)
    for i = 0, w - 1 do
      local s = string.sub(chunk, i * SLOT + 1, (i + 1) * SLOT)
      if s == v then return 0 end
      if s == ZERO or s == '' then return 1, pos + i end
    end
    pos = (pos + w) % st.cap
  end
end

-- 1 when fp (8 bytes) is new (and now recorded), 0 when seen before. Call seen_load first.
local function seen_add(fp)
  local b1, b2 = string.byte(fp, 1, 2)
  local seg = b1 * 16 + math.floor(b2 / 16)
  local key = P .. 's:' .. seg
  local st = seen_segments[seg]
  local v = string.sub(fp, 2)
  if v == ZERO then v = '\0\0\0\0\0\0\1' end
  if st.count == 0 and not st.dirty then
    redis.call('SET', key, string.rep(ZERO, st.cap))
  end
  local new, slot = seen_probe(key, st, v)
  if new == 0 then return 0 end
  if st.count + 1 > st.cap * 0.9 then
    seen_grow(key, st)
    new, slot = seen_probe(key, st, v)
  end
  redis.call('SETRANGE', key, slot * SLOT, v)
  st.count = st.count + 1
  st.dirty = true
  return 1
end

-- Write the touched segments' counts back, in one call.
local function seen_flush()
  local args = {}
  for seg, st in pairs(seen_segments) do
    if st.dirty then
      args[#args + 1] = seg
      args[#args + 1] = st.count
    end
  end
  if #args > 0 then redis.call('HSET', SEEN_COUNTS, unpack(args)) end
end
"""
