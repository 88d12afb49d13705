"""The frontier's Lua scripts: lease, ack, fetched, recrawl, release and expire, each one atomic
call on one crawl's keys (the key layout is in crawler.frontier.queue).

`Frontier` registers each behind PRELUDE_LUA (crawler.frontier.politeness), which binds
ARGV[1..5] (key prefix, host delay ms, host concurrency, page budgets) and the helpers they
share; the seen-set scripts come first where a script marks URLs seen. Each comment says what
the script's own arguments are, from ARGV[6] on.
"""

# ARGV[6] worker, ARGV[7] n, ARGV[8] lease timeout ms, then ended downloads (`ended_all`).
# Returns {token, entry, host, deadline, gated}*: gated is 1 when the host has a delay.
LEASE_LUA = r"""
local worker, n, timeout = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
ended_all(9)
for _, h in ipairs(redis.call('ZRANGEBYSCORE', WAIT, '-inf', NOW, 'LIMIT', 0, 256)) do
  wake(h, false)
end
local left = n
if MAXP > 0 then
  left = math.min(n, MAXP - (tonumber(redis.call('HGET', STATS, 'admitted')) or 0))
end
local out = {}
local turns = 0
while left > 0 and turns < n + 64 do
  turns = turns + 1
  local top = redis.call('ZRANGE', READY, 0, 0)
  if #top == 0 then break end
  local h = top[1]
  local hk = P .. 'h:' .. h
  local q = P .. 'q:' .. h
  local st = redis.call('HMGET', hk, 'inflight', 'next', 'pause', 'admitted', 'delay')
  local start = math.max(tonumber(st[2]) or 0, tonumber(st[3]) or 0)
  if (tonumber(st[1]) or 0) >= CONC or start > NOW then
    wake(h, false)
  elseif MAXH > 0 and (tonumber(st[4]) or 0) >= MAXH then
    local dropped = redis.call('ZCARD', q)
    redis.call('DEL', q)
    redis.call('HINCRBY', STATS, 'queued', -dropped)
    redis.call('HINCRBY', STATS, 'over_budget', dropped)
    redis.call('ZREM', READY, h)
  else
    local popped = redis.call('ZPOPMIN', q)
    if #popped == 0 then
      redis.call('ZREM', READY, h)
    else
      local raw, score = popped[1], popped[2]
      local ok, e = pcall(cjson.decode, raw)
      if not ok or type(e) ~= 'table' or type(e.url) ~= 'string'
          or type(e.depth) ~= 'number' or type(e.hops) ~= 'number' then
        redis.call('HINCRBY', STATS, 'bad_entries', 1)
      else
        redis.call('HINCRBY', STATS, 'queued', -1)
        -- The time makes tokens unique even after an AOF cut rolled the counter back.
        local token = redis.call('INCR', P .. 'tok') .. '-' .. string.format('%d', NOW)
        local deadline = NOW + timeout
        redis.call('ZADD', LEASES, deadline, token)
        redis.call('HSET', LDATA, token, h .. '\t' .. score .. '\t' .. worker .. '\t' .. raw)
        redis.call('SADD', INFLIGHT, token)
        redis.call('HINCRBY', hk, 'inflight', 1)
        local delay = tonumber(st[5]) or DELAY
        redis.call('HSET', hk, 'next', NOW + delay)
        redis.call('HINCRBY', hk, 'admitted', 1)
        redis.call('HINCRBY', STATS, 'admitted', 1)
        left = left - 1
        out[#out + 1] = {token, raw, h, tostring(deadline), delay > 0 and 1 or 0}
      end
      wake(h, true)
    end
  end
end
return out
"""

# Acknowledge leases and add children, all in one atomic call (so an AOF cut anywhere leaves a
# consistent frontier): ARGV[6] L, then L x (token, host, m, m x (counter, increment)); then C,
# and C x (counter, increment); then the children's count, and per host: host, k, and k children
# as (seen member, depth, entry). A lease's counters count only while it is held: an ack retried
# after its first try landed (or after the lease expired and went back to the queue, so its
# refetch counts) bumps `stale_acks` instead, and its children are no news to the seen set.
# `offered` comes as a counter (a lease's own, or the call's), so a retry never counts it twice.
ACK_LUA = r"""
-- Acks into a Redis that lost the crawl (restarted empty) would resurrect half a frontier.
if tonumber(ARGV[6]) > 0 and redis.call('EXISTS', KEYS[1]) == 0 then
  return redis.error_reply('LG_FRONTIER_LOST')
end
local i = 7
local acked = {}
for _ = 1, tonumber(ARGV[6]) do
  local token, lh, m = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  free_slot(token, lh)
  redis.call('HDEL', LDATA, token)
  if redis.call('ZREM', LEASES, token) == 1 then
    for c = i + 3, i + 2 * m + 1, 2 do redis.call('HINCRBY', STATS, ARGV[c], ARGV[c + 1]) end
  else
    redis.call('HINCRBY', STATS, 'stale_acks', 1)
  end
  i = i + 3 + 2 * m
  acked[lh] = true
end
local ncounters = tonumber(ARGV[i])
for c = i + 1, i + 2 * ncounters, 2 do
  redis.call('HINCRBY', STATS, ARGV[c], ARGV[c + 1])
end
i = i + 2 * ncounters + 1
local nkids = tonumber(ARGV[i])
i = i + 1
if nkids == 0 then
  for lh in pairs(acked) do wake(lh, false) end
  return 0
end
local admitted = 0
if MAXP > 0 then admitted = tonumber(redis.call('HGET', STATS, 'admitted')) or 0 end
local seq = redis.call('INCRBY', P .. 'seq', nkids) - nkids
local added, over = 0, 0
local hosts, prios = {}, {}
seen_load()
while i <= #ARGV do
  local h, k = ARGV[i], tonumber(ARGV[i + 1])
  local first, last = i + 2, i + 3 * k + 1
  i = last + 1
  local full = (MAXP > 0 and admitted >= MAXP) or (MAXH > 0 and
    (tonumber(redis.call('HGET', P .. 'h:' .. h, 'admitted')) or 0) >= MAXH)
  local q = P .. 'q:' .. h
  local zargs, prio = {}, nil
  for j = first, last, 3 do
    if seen_add(ARGV[j]) == 1 then
      if full then
        over = over + 1
      else
        seq = seq + 1
        local d = tonumber(ARGV[j + 1])
        zargs[#zargs + 1] = d * SHIFT + seq
        zargs[#zargs + 1] = ARGV[j + 2]
        if not prio or d < prio then prio = d end
        if #zargs >= 2000 then
          added = added + redis.call('ZADD', q, unpack(zargs))
          zargs = {}
        end
      end
    end
  end
  if #zargs > 0 then added = added + redis.call('ZADD', q, unpack(zargs)) end
  if prio and not acked[h] then
    hosts[#hosts + 1] = h
    prios[#hosts] = prio
  end
end
local new = seen_new
seen_flush()
if new > 0 then redis.call('HINCRBY', STATS, 'seen', new) end
if added > 0 then redis.call('HINCRBY', STATS, 'queued', added) end
if over > 0 then redis.call('HINCRBY', STATS, 'over_budget', over) end
for lh in pairs(acked) do wake(lh, false) end
-- Batched wake-ups: a host already ready at a class <= its new entries', or waiting for its
-- time, needs nothing (the common case for a page's many links).
for c = 1, #hosts, 500 do
  local chunk = {unpack(hosts, c, math.min(c + 499, #hosts))}
  local ready = redis.call('ZMSCORE', READY, unpack(chunk))
  local idle = {}
  for x, h in ipairs(chunk) do
    local cur = ready[x]
    if cur then
      if math.floor(tonumber(cur) / SHIFT) > prios[c + x - 1] then wake(h, false) end
    else
      idle[#idle + 1] = h
    end
  end
  if #idle > 0 then
    local waiting = redis.call('ZMSCORE', WAIT, unpack(idle))
    for x, h in ipairs(idle) do
      if not waiting[x] then wake(h, false) end
    end
  end
end
return added
"""

# ARGV[6] 1 to free the slots (0: robots.txt or a sitemap, fetched under the page's lease and
# slot), then downloads that ended as in `ended_all`.
FETCHED_LUA = r"""
local free = ARGV[6] == '1'
local k = tonumber(ARGV[7])
for j = 8, 7 + 2 * k, 2 do ended(ARGV[j], ARGV[j + 1], free) end
return 1
"""

# Queue entries again although seen (a recrawl), and mark more URLs seen: ARGV[6] n, then
# n x (host, seen member, depth, entry); then seen members to record without queueing.
RECRAWL_LUA = r"""
local n = tonumber(ARGV[6])
seen_load()
local seq = redis.call('INCRBY', P .. 'seq', n) - n
local added, hosts, i = 0, {}, 7
for _ = 1, n do
  local h, d, raw = ARGV[i], tonumber(ARGV[i + 2]), ARGV[i + 3]
  seen_add(ARGV[i + 1])
  seq = seq + 1
  added = added + redis.call('ZADD', P .. 'q:' .. h, 'NX', d * SHIFT + seq, raw)
  hosts[h] = true
  i = i + 4
end
for j = i, #ARGV do seen_add(ARGV[j]) end
local new = seen_new
seen_flush()
if new > 0 then redis.call('HINCRBY', STATS, 'seen', new) end
if added > 0 then
  redis.call('HINCRBY', STATS, 'queued', added)
  redis.call('HINCRBY', STATS, 'recrawl', added)
end
for h in pairs(hosts) do wake(h, false) end
return added
"""

# Push the deadlines of leases still held to now + ARGV[6] ms (a live worker's downloads in
# flight), then tokens; an expired or finished lease stays gone. Returns how many were renewed.
RENEW_LUA = r"""
local deadline = NOW + tonumber(ARGV[6])
local n = 0
for i = 7, #ARGV do
  if redis.call('ZSCORE', LEASES, ARGV[i]) then
    redis.call('ZADD', LEASES, 'XX', deadline, ARGV[i])
    n = n + 1
  end
end
return n
"""

REQUEUE_LUA = r"""
local function requeue(token, why)
  local d = redis.call('HGET', LDATA, token)
  redis.call('ZREM', LEASES, token)
  if not d then return 0 end
  redis.call('HDEL', LDATA, token)
  local h, score, raw = string.match(d, '^([^\t]*)\t([^\t]*)\t[^\t]*\t(.*)$')
  free_slot(token, h)
  redis.call('ZADD', P .. 'q:' .. h, score, raw)
  redis.call('HINCRBY', STATS, 'queued', 1)
  redis.call('HINCRBY', STATS, 'admitted', -1)
  redis.call('HINCRBY', P .. 'h:' .. h, 'admitted', -1)
  redis.call('HINCRBY', STATS, why, 1)
  wake(h, false)
  return 1
end
"""

# ARGV[6] the counter ("released"), then tokens.
RELEASE_LUA = r"""
local n = 0
for i = 7, #ARGV do n = n + requeue(ARGV[i], ARGV[6]) end
return n
"""

# ARGV[6] at most this many.
EXPIRE_LUA = r"""
local n = 0
local due = redis.call('ZRANGEBYSCORE', LEASES, '-inf', NOW, 'LIMIT', 0, tonumber(ARGV[6]))
for _, token in ipairs(due) do
  n = n + requeue(token, 'expired')
end
return n
"""
