/**
 * The Lua of pending matches (issue 13), for RedisMatchStore. A match is pending from
 * the step that claims its players (a queue that fills, a party that starts) until its
 * room exists (COMMIT) or could not be made (DROP); its players stay held meanwhile. A
 * claim outliving its process is found (STALE) and its players still here are put back
 * where they were (RESTORE). Every script is atomic, so a claim ends exactly one way.
 *
 * Keys: `mm:pending` (sorted set of match ids by claim time, Redis' own clock, so the
 * processes' clocks don't matter), `mm:pending:{matchId}` (hash: `by`, the claiming
 * process; `claim`, its JSON) and `mm:matched:{matchId}` (the room it was committed to,
 * so the room and its claimer, who both commit, get the same answer).
 */

/** Redis' clock in ms. */
const LUA_NOW = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Helpers the scripts that write claims start with (these and the claiming scripts of redisStore.ts). */
export const LUA_LIB = `${LUA_NOW}
-- Records the pending match matchId: its claimer and its claim (JSON).
local function pend(zset, prefix, matchId, by, claim, ttl)
  redis.call('HSET', prefix .. matchId, 'by', by, 'claim', claim)
  redis.call('PEXPIRE', prefix .. matchId, ttl)
  redis.call('ZADD', zset, nowMs(), matchId)
  redis.call('PEXPIRE', zset, ttl)
end

-- Takes n tickets off the queue, oldest first, skipping ids whose record expired (their
-- process died). Their JSON and places, or nil with the queue as it was when it holds fewer.
local function take(queue, n, ticketPrefix)
  local picked = {}
  while #picked < n do
    local popped = redis.call('ZPOPMIN', queue)
    if #popped == 0 then break end
    local json = redis.call('GET', ticketPrefix .. popped[1])
    if json then table.insert(picked, {popped[1], popped[2], json}) end
  end
  if #picked < n then
    for _, p in ipairs(picked) do redis.call('ZADD', queue, p[2], p[1]) end
    return nil
  end
  local jsons, seqs = {}, {}
  for _, p in ipairs(picked) do
    redis.call('DEL', ticketPrefix .. p[1])
    table.insert(jsons, p[3])
    table.insert(seqs, p[2])
  end
  return jsons, seqs
end

local function queueClaim(jsons, seqs)
  return '{"source":"queue","tickets":[' .. table.concat(jsons, ',') .. '],"seqs":[' .. table.concat(seqs, ',') .. ']}'
end

local function partyClaim(partyJson)
  return '{"source":"party","party":' .. partyJson .. '}'
end

-- Each player of a claim with what holds it: {userId, holder}.
local function holders(claim)
  local out = {}
  if claim.source == 'party' then
    for _, m in ipairs(claim.party.members) do table.insert(out, {m.userId, 'p:' .. claim.party.partyId}) end
  else
    for _, t in ipairs(claim.tickets) do table.insert(out, {t.userId, 't:' .. t.ticketId}) end
  end
  return out
end

-- Frees each player still held by this claim (one that cancelled or left is already free).
local function release(claimJson, userPrefix)
  for _, h in ipairs(holders(cjson.decode(claimJson))) do
    if redis.call('GET', userPrefix .. h[1]) == h[2] then redis.call('DEL', userPrefix .. h[1]) end
  end
end
`;

/**
 * KEYS: pending, claim, matched. ARGV: matchId, roomId, ttlMs, user prefix.
 * → 1 the match is this room's | 0 it went another way
 */
export const COMMIT = `${LUA_LIB}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return redis.call('GET', KEYS[3]) == ARGV[2] and 1 or 0
end
local claim = redis.call('HGET', KEYS[2], 'claim')
redis.call('DEL', KEYS[2])
if claim then release(claim, ARGV[4]) end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** KEYS: pending, claim. ARGV: matchId, user prefix. → 1 dropped | 0 no longer pending */
export const DROP = `${LUA_LIB}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local claim = redis.call('HGET', KEYS[2], 'claim')
redis.call('DEL', KEYS[2])
if claim then release(claim, ARGV[2]) end
return 1
`;

/**
 * KEYS: pending. ARGV: olderThanMs, limit, claim prefix.
 * → {matchId, by, ageMs, claimJson, ...}; ids whose record expired are dropped.
 */
export const STALE = `${LUA_NOW}
local now = nowMs()
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #found, 2 do
  local record = redis.call('HMGET', ARGV[3] .. found[i], 'by', 'claim')
  if record[1] and record[2] then
    table.insert(out, found[i])
    table.insert(out, record[1])
    table.insert(out, tostring(now - tonumber(found[i + 1])))
    table.insert(out, record[2])
  else
    redis.call('ZREM', KEYS[1], found[i])
  end
end
return out
`;

/**
 * KEYS: pending, claim. ARGV: matchId, liveUserIdsJson, newMatchId, by, ttlMs, ticket
 * prefix, user prefix, queue prefix, party prefix, partyCode prefix, claim prefix, spareCode.
 * → {"gone"} | {"restored", newClaimJson | "", partyJson | "", keptUserId...}
 */
export const RESTORE = `${LUA_LIB}
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return {'gone'} end
local raw = redis.call('HGET', KEYS[2], 'claim')
redis.call('DEL', KEYS[2])
if not raw then return {'gone'} end
local claim = cjson.decode(raw)
local ttl = ARGV[5]
local live = {}
for _, u in ipairs(cjson.decode(ARGV[2])) do live[u] = true end
local kept = {}
local function reply(again, party)
  return {'restored', again, party, unpack(kept)}
end
-- A player goes back only while still held by this claim (it did not cancel or leave) and here.
local function keep(userId, holder)
  local key = ARGV[7] .. userId
  if redis.call('GET', key) ~= holder then return false end
  if not live[userId] then
    redis.call('DEL', key)
    return false
  end
  redis.call('PEXPIRE', key, ttl)
  table.insert(kept, userId)
  return true
end

if claim.source == 'queue' then
  local queue = nil
  for i, t in ipairs(claim.tickets) do
    if keep(t.userId, 't:' .. t.ticketId) then
      queue = ARGV[8] .. t.queueKey
      redis.call('SET', ARGV[6] .. t.ticketId, cjson.encode(t), 'PX', ttl)
      redis.call('ZADD', queue, claim.seqs[i], t.ticketId)
    end
  end
  if not queue then return reply('', '') end
  redis.call('PEXPIRE', queue, ttl)
  local n = claim.tickets[1].criteria.playersPerMatch
  if redis.call('ZCARD', queue) < n then return reply('', '') end
  local jsons, seqs = take(queue, n, ARGV[6])
  if not jsons then return reply('', '') end
  local again = queueClaim(jsons, seqs)
  pend(KEYS[1], ARGV[11], ARGV[3], ARGV[4], again, ttl)
  return reply(again, '')
end

local party = claim.party
local members = {}
for _, m in ipairs(party.members) do
  if keep(m.userId, 'p:' .. party.partyId) then table.insert(members, m) end
end
if #members == 0 then return reply('', '') end
if #members == #party.members then
  local again = partyClaim(cjson.encode(party))
  pend(KEYS[1], ARGV[11], ARGV[3], ARGV[4], again, ttl)
  return reply(again, '')
end
local leaderStays = false
for _, m in ipairs(members) do
  if m.userId == party.leaderUserId then leaderStays = true end
end
if not leaderStays then party.leaderUserId = members[1].userId end
party.members = members
if not redis.call('SET', ARGV[10] .. party.partyCode, party.partyId, 'NX', 'PX', ttl) then
  party.partyCode = ARGV[12]
  if not redis.call('SET', ARGV[10] .. party.partyCode, party.partyId, 'NX', 'PX', ttl) then
    for _, m in ipairs(members) do redis.call('DEL', ARGV[7] .. m.userId) end
    kept = {}
    return reply('', '')
  end
end
local out = cjson.encode(party)
redis.call('SET', ARGV[9] .. party.partyId, out, 'PX', ttl)
return reply('', out)
`;
