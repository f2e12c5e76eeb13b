-- Fairway limiter-redis: one atomic step of a node against the shared state.
-- Time is the caller's clock (ARGV[1], epoch ms), never Redis TIME, and never goes backwards: a
-- caller behind the latest time seen is treated as at that time.
--
-- KEYS[1] window   HASH  n (last now ms), h (oldest tick counted), R, T, I, O (running sums of
--                        requests, tokens, input tokens, output tokens), p (paused until ms),
--                        g (pacing debt in microseconds at time n),
--                        r<tick> / t<tick> / i<tick> / o<tick> (what was charged to a bucket)
-- KEYS[2] sessions ZSET  session -> last heartbeat ms
-- KEYS[3] weights  HASH  session -> weight, '#' -> total weight of the registered sessions
-- KEYS[4] nodes    HASH  node -> 'contending weight,contending requests,contending tokens'
-- KEYS[5] seen     ZSET  node -> last call ms
--
-- ARGV  1 now ms             2 node id             3 requests/min        4 tokens/min
--       5 bucket ms          6 buckets N           7 session idle ms     8 node ttl ms
--       9 key ttl ms        10 lease requests     11 lease tokens       12 need requests
--      13 need tokens       14 wait-for requests  15 return requests    16 return tokens
--      17 return tick       18 refund requests    19 refund tokens      20 refund tick
--      21 charge requests   22 charge tokens      23 contending weight  24 contending requests
--      25 contending tokens 26 pause until ms     27 requests left      28 requests reset ms
--      29 tokens left       30 tokens reset ms    31 leave (1: forget this node)
--      32 session ops k
--      33 input tokens/min (0: not limited apart)  34 output tokens/min (0: not limited apart)
--      35 lease input       36 lease output       37 need input         38 need output
--      39 return input      40 return output      41 refund input       42 refund output
--      43 charge input      44 charge output      45 input left         46 input reset ms
--      47 output left       48 output reset ms   49 pacing burst ms (0: no pacing)
--      50 keep requests     51 keep tokens       52 keep input         53 keep output
--      then k times from 54: op ('h' heartbeat, 'c' close), session, weight
-- A "keep" is what the grant must leave free in a window: the headroom for finals when a partial asks
-- (the caller never asks to keep so much that the need itself could not fit), 0 otherwise.
-- A "left" of -1 says nothing; a reset of -1 is unknown.
--
-- Returns {granted requests, granted tokens, wait ms, tick, R, T, total weight, sessions,
--          contending weight of the other nodes, their contending requests, their contending tokens,
--          nodes, paused until ms, fresh (1 when the window did not exist), I, O,
--          granted input, granted output}

local win, ses, wgt, nodes, seen = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function num(i) return tonumber(ARGV[i]) end

local now, node = num(1), ARGV[2]
local rpm, tpm, bw, N = num(3), num(4), num(5), num(6)
local ipm, opm = num(33), num(34)
local idle, nodeTtl, keyTtl = num(7), num(8), num(9)

local st = redis.call('HMGET', win, 'n', 'h', 'R', 'T', 'p', 'I', 'O', 'g')
local fresh = 0
if not st[1] then fresh = 1 end
local last = tonumber(st[1]) or 0
if now < last then now = last end
local tick = math.floor(now / bw)
local lo = tick - N
local h = tonumber(st[2]) or lo
local R, T = tonumber(st[3]) or 0, tonumber(st[4]) or 0
local I, O = tonumber(st[6]) or 0, tonumber(st[7]) or 0
local paused = tonumber(st[5]) or 0

-- Pacing: the nodes together take requests at the limit's rate, one per 60 s / rpm, beyond a burst
-- (ARGV 49, and at least one lease). Each node paces its own dispatches at that rate too, unaware of
-- the others: without this, n nodes fill the window n times as fast and then all wait most of a
-- minute for it to slide, their finals with them. The debt is what was taken ahead of the rate, in
-- microseconds (small integers, exact in Lua's numbers), paid back as time passes.
local pace = 0
if num(49) > 0 then pace = math.floor(60000000 / rpm) end
local debt = math.max(0, (tonumber(st[8]) or 0) - (now - last) * 1000)
local burst = math.max(num(49) * 1000, num(10) * pace)

-- Slide: forget the buckets that left the window (at most N + 1 of them exist).
if h < lo then
  local upto = math.min(lo - 1, math.floor(last / bw))
  for t = h, upto do
    local b = redis.call('HMGET', win, 'r' .. t, 't' .. t, 'i' .. t, 'o' .. t)
    if b[1] or b[2] or b[3] or b[4] then
      R = R - (tonumber(b[1]) or 0)
      T = T - (tonumber(b[2]) or 0)
      I = I - (tonumber(b[3]) or 0)
      O = O - (tonumber(b[4]) or 0)
      redis.call('HDEL', win, 'r' .. t, 't' .. t, 'i' .. t, 'o' .. t)
    end
  end
  h = lo
end

local function charge(t, r, k, ii, oo)
  if r ~= 0 then redis.call('HINCRBY', win, 'r' .. t, r) end
  if k ~= 0 then redis.call('HINCRBY', win, 't' .. t, k) end
  if ii ~= 0 then redis.call('HINCRBY', win, 'i' .. t, ii) end
  if oo ~= 0 then redis.call('HINCRBY', win, 'o' .. t, oo) end
  R = R + r
  T = T + k
  I = I + ii
  O = O + oo
end

-- A refund goes back to the bucket it was charged to, never below what that bucket holds, and is
-- dropped once that bucket has left the window.
local function refund(r, k, ii, oo, t)
  if (r > 0 or k > 0 or ii > 0 or oo > 0) and t >= lo and t <= tick then
    local b = redis.call('HMGET', win, 'r' .. t, 't' .. t, 'i' .. t, 'o' .. t)
    charge(t, -math.min(r, tonumber(b[1]) or 0), -math.min(k, tonumber(b[2]) or 0),
      -math.min(ii, tonumber(b[3]) or 0), -math.min(oo, tonumber(b[4]) or 0))
  end
end

refund(num(15), num(16), num(39), num(40), num(17))
-- An unused rest of a lease was never dispatched: its pace goes back too.
debt = math.max(0, debt - num(15) * pace)
refund(num(18), num(19), num(41), num(42), num(20))
charge(tick, num(21), num(22), num(43), num(44))

-- Provider feedback: believe it when less is left than the window shows (the caller has already
-- kept its safety margin). Without a reset the difference stays a whole window; with one it leaves
-- as the provider refills, in equal parts, one a bucket, over the reset (what a reset longer than
-- the window would still hold leaves with the newest bucket): a reset slows admission, never stops it.
local function calibrate(left, reset, which)
  if left < 0 then return end
  local limit, used
  if which == 'r' then limit, used = rpm, R
  elseif which == 't' then limit, used = tpm, T
  elseif which == 'i' then limit, used = ipm, I
  else limit, used = opm, O end
  if limit <= 0 then return end
  local debt = limit - used - left
  if debt <= 0 then return end
  local spread = 1
  if reset >= 0 then spread = math.max(1, math.ceil(reset / bw)) end
  local span = math.min(spread, N + 1)
  -- At most 600 parts, each leaving with the last bucket of its group (never earlier than the refill).
  local step = math.max(1, math.ceil(span / 600))
  local placed = 0
  for g = step - 1, span - 1 + step - 1, step do
    local m = math.min(g, span - 1)
    local upTo = debt
    if m < span - 1 then upTo = math.floor(debt * (m + 1) / spread) end
    local part = upTo - placed
    placed = upTo
    if part > 0 then
      local leaves = 60000
      if reset >= 0 then leaves = (m + 1) * bw end
      -- Bucket t leaves the window at (t + N + 1) * bw.
      local t = math.ceil((now + leaves) / bw) - N - 1
      if t < lo then t = lo end
      if t > tick then t = tick end
      if which == 'r' then charge(t, part, 0, 0, 0)
      elseif which == 't' then charge(t, 0, part, 0, 0)
      elseif which == 'i' then charge(t, 0, 0, part, 0)
      else charge(t, 0, 0, 0, part) end
    end
  end
end
calibrate(num(27), num(28), 'r')
calibrate(num(29), num(30), 't')
calibrate(num(45), num(46), 'i')
calibrate(num(47), num(48), 'o')

if num(26) > paused then paused = num(26) end

-- The registry of sessions: heartbeats, closes, and expiry of the idle ones.
local W = tonumber(redis.call('HGET', wgt, '#')) or 0
local k = num(32)
for i = 0, k - 1 do
  local op, s, w = ARGV[54 + 3 * i], ARGV[55 + 3 * i], tonumber(ARGV[56 + 3 * i])
  local old = tonumber(redis.call('HGET', wgt, s)) or 0
  if op == 'h' then
    W = W + w - old
    redis.call('HSET', wgt, s, w)
    redis.call('ZADD', ses, now, s)
  else
    W = W - old
    redis.call('HDEL', wgt, s)
    redis.call('ZREM', ses, s)
  end
end
local gone = redis.call('ZRANGEBYSCORE', ses, '-inf', '(' .. (now - idle), 'LIMIT', 0, 256)
for _, s in ipairs(gone) do
  W = W - (tonumber(redis.call('HGET', wgt, s)) or 0)
  redis.call('HDEL', wgt, s)
  redis.call('ZREM', ses, s)
end
if W < 0 then W = 0 end
redis.call('HSET', wgt, '#', W)

-- The nodes and their contending sessions.
if num(31) == 1 then
  redis.call('HDEL', nodes, node)
  redis.call('ZREM', seen, node)
else
  redis.call('HSET', nodes, node, ARGV[23] .. ',' .. ARGV[24] .. ',' .. ARGV[25])
  redis.call('ZADD', seen, now, node)
end
local stale = redis.call('ZRANGEBYSCORE', seen, '-inf', '(' .. (now - nodeTtl))
for _, n in ipairs(stale) do
  redis.call('HDEL', nodes, n)
  redis.call('ZREM', seen, n)
end
local cw, cr, ct, count = 0, 0, 0, 0
local all = redis.call('HGETALL', nodes)
for i = 1, #all, 2 do
  count = count + 1
  if all[i] ~= node then
    local a, b, c = string.match(all[i + 1], '^(%-?%d+),(%-?%d+),(%-?%d+)$')
    cw = cw + (tonumber(a) or 0)
    cr = cr + (tonumber(b) or 0)
    ct = ct + (tonumber(c) or 0)
  end
end

-- What a grant may fill each window to: its limit less what the caller keeps free (ARGV 50 to 53).
local capR, capT = rpm - num(50), tpm - num(51)
local capI, capO = ipm - num(52), opm - num(53)

-- Whether a window holding u (a budget of lim, 0: not limited apart) has room for n more up to cap.
local function fits(u, n, lim, cap)
  return lim <= 0 or u + n <= cap
end

-- The lease: at least what the caller needs, up to what it asked for, within every window.
local grantR, grantT, grantI, grantO, wait = 0, 0, 0, 0, 0
local needR, needT, needI, needO = num(12), num(13), num(37), num(38)
if needR > 0 or needT > 0 then
  if now < paused then
    wait = paused - now
  elseif debt > burst then
    wait = math.ceil((debt - burst) / 1000)
  elseif R + needR <= capR and T + needT <= capT and fits(I, needI, ipm, capI) and fits(O, needO, opm, capO) then
    local paced = num(10)
    if pace > 0 then paced = math.floor((burst - debt) / pace) + 1 end
    grantR = math.max(needR, math.min(num(10), capR - R, paced))
    debt = debt + grantR * pace
    grantT = math.max(needT, math.min(num(11), capT - T))
    grantI, grantO = needI, needO
    if ipm > 0 then grantI = math.max(needI, math.min(num(35), capI - I)) end
    if opm > 0 then grantO = math.max(needO, math.min(num(36), capO - O)) end
    charge(tick, grantR, grantT, grantI, grantO)
  else
    -- The first moment enough has left the window; bucket t leaves at (t + N + 1) * bw.
    local wantR = math.max(needR, math.min(num(14), capR))
    local fr, ft, fi, fo = 0, 0, 0, 0
    wait = (tick + N + 1) * bw - now
    for t = lo, tick do
      local b = redis.call('HMGET', win, 'r' .. t, 't' .. t, 'i' .. t, 'o' .. t)
      fr = fr + (tonumber(b[1]) or 0)
      ft = ft + (tonumber(b[2]) or 0)
      fi = fi + (tonumber(b[3]) or 0)
      fo = fo + (tonumber(b[4]) or 0)
      if R - fr + wantR <= capR and T - ft + needT <= capT and fits(I - fi, needI, ipm, capI)
          and fits(O - fo, needO, opm, capO) then
        wait = (t + N + 1) * bw - now
        break
      end
    end
  end
end

redis.call('HSET', win, 'n', now, 'h', h, 'R', R, 'T', T, 'I', I, 'O', O, 'p', paused, 'g', debt)
redis.call('PEXPIRE', win, keyTtl)
redis.call('PEXPIRE', ses, keyTtl)
redis.call('PEXPIRE', wgt, keyTtl)
redis.call('PEXPIRE', nodes, keyTtl)
redis.call('PEXPIRE', seen, keyTtl)

return {grantR, grantT, wait, tick, R, T, W, redis.call('ZCARD', ses), cw, cr, ct, count, paused, fresh,
  I, O, grantI, grantO}
