"""Per-host politeness shared by every worker, held in Redis (Scrapy's own limits are per process).

Each host has a hash ``lg:{crawl}:h:<host>``:

    inflight   requests leased and not yet downloaded (the concurrency slots in use)
    next       epoch ms before which no lease of this host may start (last lease + delay)
    last       epoch ms of the last request START (set by the download gate)
    delay      ms between starts, when robots.txt Crawl-delay raised it above the crawl's
    pause      epoch ms until which the host is paused (Retry-After, robots.txt unreachable)
    why        the pause's reason ("robots.txt 502", "proxy refused": crawler.frontier.pauses)
    rkey       the robots.txt key whose failed answer paused it (a resume forgets that answer)
    admitted   pages leased (the per-host budget)

A host with queued entries sits in one of two sorted sets: ``ready`` (may start now; scored by
its head entry's priority, then a round-robin sequence, so every ready host gets a turn before
any gets a second) or ``wait`` (scored by the epoch ms it may start). A host with all its
concurrency slots in use sits in neither until a slot frees. Time is always Redis's TIME, so
workers' clocks never matter.

Two checks keep the promise "host_delay between request starts, across workers": the lease
reserves the next start (``next``), and the downloader middleware's gate (`GATE_LUA`) records
the real start and holds a request that would start too early (a lease buffered for a few ms,
a robots.txt fetch before the host's first page).
"""

from __future__ import annotations

CRAWL_DELAY_CAP = 30.0  # seconds; a robots.txt Crawl-delay above this is capped
GATE_MARGIN_MS = 10  # slack added to the delay at the gate: connection setup jitter
RETRY_AFTER_CAP = 3600.0  # seconds; a longer Retry-After pauses the host this long

# Shared Lua prelude. ARGV[1] prefix, ARGV[2] default delay ms, ARGV[3] host concurrency,
# ARGV[4] max pages, ARGV[5] max pages per host; scripts' own arguments start at ARGV[6].
PRELUDE_LUA = r"""
local P = ARGV[1]
local DELAY = tonumber(ARGV[2])
local CONC = tonumber(ARGV[3])
local MAXP = tonumber(ARGV[4])
local MAXH = tonumber(ARGV[5])
local NOW
do
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local STATS = P .. 'stats'
local READY = P .. 'ready'
local WAIT = P .. 'wait'
local LEASES = P .. 'leases'
local LDATA = P .. 'ldata'
local INFLIGHT = P .. 'inflight'
local SHIFT = 4294967296

-- Put host h where it belongs: ready, waiting for its time, or nowhere (idle or saturated).
-- rotate: send it to the back of its priority class (it was just served).
local function wake(h, rotate)
  local head = redis.call('ZRANGE', P .. 'q:' .. h, 0, 0, 'WITHSCORES')
  local st = redis.call('HMGET', P .. 'h:' .. h, 'inflight', 'next', 'pause')
  if #head == 0 or (tonumber(st[1]) or 0) >= CONC then
    redis.call('ZREM', READY, h)
    redis.call('ZREM', WAIT, h)
    return
  end
  local t = math.max(tonumber(st[2]) or 0, tonumber(st[3]) or 0)
  if t > NOW then
    redis.call('ZREM', READY, h)
    redis.call('ZADD', WAIT, t, h)
    return
  end
  redis.call('ZREM', WAIT, h)
  local prio = math.floor(tonumber(head[2]) / SHIFT)
  local cur = redis.call('ZSCORE', READY, h)
  if cur and not rotate and math.floor(tonumber(cur) / SHIFT) <= prio then return end
  redis.call('ZADD', READY, prio * SHIFT + redis.call('INCR', P .. 'rr'), h)
end

-- True when host h already waits in `wait`, or in `ready` at a priority class <= prio: adding
-- an entry of that priority changes nothing (the cheap path for a page's many links).
local function queued_behind(h, prio)
  local cur = redis.call('ZSCORE', READY, h)
  if cur then return math.floor(tonumber(cur) / SHIFT) <= prio end
  return redis.call('ZSCORE', WAIT, h) ~= false
end

-- A lease's concurrency slot frees (download ended); false when it already had.
local function free_slot(token, h)
  if redis.call('SREM', INFLIGHT, token) == 0 then return false end
  redis.call('HINCRBY', P .. 'h:' .. h, 'inflight', -1)
  return true
end

-- A download of lease `token` on host h ended: the host's delay counts from now too (as Nutch
-- and Heritrix do: the gate records a start before the request waits for a busy reactor, so
-- only the end bounds when it really reached the server); free its slot when `free`.
local function ended(token, h, free)
  local hk = P .. 'h:' .. h
  local st = redis.call('HMGET', hk, 'last', 'delay', 'next')
  local d = tonumber(st[2]) or DELAY
  if d > 0 then
    if NOW > (tonumber(st[1]) or 0) then redis.call('HSET', hk, 'last', NOW) end
    if NOW + d > (tonumber(st[3]) or 0) then redis.call('HSET', hk, 'next', NOW + d) end
  end
  if free and free_slot(token, h) then wake(h, false) end
end

-- ARGV[i] = k, then k x (token, host): downloads that ended (slots freed); returns the next i.
local function ended_all(i)
  local k = tonumber(ARGV[i]) or 0
  for j = i + 1, i + 2 * k, 2 do ended(ARGV[j], ARGV[j + 1], true) end
  return i + 2 * k + 1
end
"""

# The download gate: ARGV[6] host. Returns 0 (start now, recorded) or the ms to wait.
GATE_LUA = r"""
local h = ARGV[6]
local hk = P .. 'h:' .. h
local st = redis.call('HMGET', hk, 'last', 'delay', 'pause', 'next')
local d = tonumber(st[2]) or DELAY
local t = tonumber(st[3]) or 0
if st[1] and d > 0 then t = math.max(t, tonumber(st[1]) + d + tonumber(ARGV[7])) end
if t > NOW then return t - NOW end
redis.call('HSET', hk, 'last', NOW)
if NOW + d > (tonumber(st[4]) or 0) then redis.call('HSET', hk, 'next', NOW + d) end
return 0
"""

# Pause a host: ARGV[6] host, ARGV[7] ms, ARGV[8] why (crawler.frontier.pauses), ARGV[9] the
# robots.txt key whose failed answer caused it ("" if none). Never shortens an existing pause;
# the reason of the longest pause stands.
PAUSE_LUA = r"""
local h = ARGV[6]
local hk = P .. 'h:' .. h
local until_ms = NOW + tonumber(ARGV[7])
if until_ms > (tonumber(redis.call('HGET', hk, 'pause')) or 0) then
  redis.call('HSET', hk, 'pause', until_ms, 'why', ARGV[8])
  if ARGV[9] ~= '' then redis.call('HSET', hk, 'rkey', ARGV[9]) end
  redis.call('ZADD', P .. 'paused', until_ms, h)
end
redis.call('ZREMRANGEBYSCORE', P .. 'paused', '-inf', NOW)
wake(h, false)
return until_ms
"""

# Raise a host's delay between starts: ARGV[6] host, ARGV[7] ms.
DELAY_LUA = r"""
local h = ARGV[6]
redis.call('HSET', P .. 'h:' .. h, 'delay', math.max(DELAY, tonumber(ARGV[7])))
return 1
"""
