/**
 * The Lua of stale holders (issue 13), for RedisMatchStore. A user stays held by its
 * queued ticket or party seat until that record expires, even when the player's
 * matchmaker room died with its process. HELD_AT says what holds a user and where its
 * player connected; EVICT frees the user from it, only while that same holder, connected
 * there, still holds it — so a holder that moved on (matched, cancelled, rejoined from a
 * live connection) between the look and the eviction is left alone.
 *
 * A ticket whose record is gone while its user is still held by it was taken off its
 * queue by a claim: that player belongs to a pending match (./redisPending.ts), and is
 * neither reported nor evicted here.
 */

/** Removing a member from a party record, shared by LEAVE_PARTY (./redisStore.ts) and EVICT. */
export const LUA_LEAVE = `
-- Removes userId from the party at partyKey: the lead passes to the next member, the last
-- one out deletes the party and its code. → {'left', partyJson} | {'dissolved'} | {'gone'}
local function leave(partyKey, userId, ttl, codePrefix)
  local raw = redis.call('GET', partyKey)
  if not raw then return {'gone'} end
  local party = cjson.decode(raw)
  local kept = {}
  local found = false
  for _, m in ipairs(party.members) do
    if m.userId == userId then found = true else table.insert(kept, m) end
  end
  if not found then return {'gone'} end
  if #kept == 0 then
    redis.call('DEL', partyKey, codePrefix .. party.partyCode)
    return {'dissolved'}
  end
  party.members = kept
  if party.leaderUserId == userId then party.leaderUserId = kept[1].userId end
  local out = cjson.encode(party)
  redis.call('SET', partyKey, out, 'PX', ttl)
  return {'left', out}
end
`;

/** Where a holder's player connected: the ticket's or the user's party seat's lobbyRoomId, or nil. */
const LUA_LOBBY = `
local function lobbyOf(holder, userId, ticketPrefix, partyPrefix)
  local id = string.sub(holder, 3)
  if string.sub(holder, 1, 2) == 't:' then
    local raw = redis.call('GET', ticketPrefix .. id)
    if not raw then return nil end
    return cjson.decode(raw).lobbyRoomId
  end
  local raw = redis.call('GET', partyPrefix .. id)
  if not raw then return nil end
  for _, m in ipairs(cjson.decode(raw).members) do
    if m.userId == userId then return m.lobbyRoomId end
  end
  return nil
end
`;

/** KEYS: user. ARGV: userId, ticket prefix, party prefix. → {} | {holder, lobbyRoomId} */
export const HELD_AT = `${LUA_LOBBY}
local holder = redis.call('GET', KEYS[1])
if not holder then return {} end
local lobby = lobbyOf(holder, ARGV[1], ARGV[2], ARGV[3])
if not lobby then return {} end
return {holder, lobby}
`;

/**
 * KEYS: user. ARGV: userId, holder, lobbyRoomId, ticket prefix, queue prefix, party
 * prefix, partyCode prefix, ttlMs.
 * → {"moved"} | {"cancelled"} | {"left", partyJson} | {"dissolved"} | {"gone"}
 */
export const EVICT = `${LUA_LEAVE}${LUA_LOBBY}
local holder = ARGV[2]
if redis.call('GET', KEYS[1]) ~= holder then return {'moved'} end
if lobbyOf(holder, ARGV[1], ARGV[4], ARGV[6]) ~= ARGV[3] then return {'moved'} end
local id = string.sub(holder, 3)
redis.call('DEL', KEYS[1])
if string.sub(holder, 1, 2) == 't:' then
  local ticket = cjson.decode(redis.call('GET', ARGV[4] .. id))
  redis.call('ZREM', ARGV[5] .. ticket.queueKey, id)
  redis.call('DEL', ARGV[4] .. id)
  return {'cancelled'}
end
return leave(ARGV[6] .. id, ARGV[1], ARGV[8], ARGV[7])
`;
