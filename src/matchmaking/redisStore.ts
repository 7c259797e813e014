/**
 * The cluster MatchStore (REDIS_URL). Every operation that reads and then writes is a
 * Lua script, which Redis runs atomically: of two processes that both see a full queue,
 * one takes the tickets and the other finds them gone, so no ticket is seated twice, and
 * because the push and the take are the same script, no queue is ever left holding a
 * full match (nothing stranded). Scripts touch keys they derive from record contents,
 * so this needs a single Redis (or primary), not Redis Cluster — as does RedisDriver.
 *
 * Records expire after MATCH_RECORD_TTL_MS unless refreshed by the process holding
 * their player; a ticket id whose record has expired (its process died) is skipped
 * and dropped when a match is taken.
 */
import type { Redis } from "ioredis";
import { MATCH_RECORD_TTL_MS } from "../utils/limits.ts";
import {
  partyHolder,
  ticketHolder,
  type CreatePartyResult,
  type EnqueueResult,
  type HeldRecords,
  type JoinPartyResult,
  type LeavePartyResult,
  type MatchStore,
  type Party,
  type PartyMember,
  type StartPartyResult,
  type Ticket,
} from "./store.ts";

export const KEY = {
  queue: (queueKey: string) => `mm:queue:${queueKey}`,
  ticket: (ticketId: string) => `mm:ticket:${ticketId}`,
  user: (userId: string) => `mm:user:${userId}`,
  party: (partyId: string) => `mm:party:${partyId}`,
  partyCode: (code: string) => `mm:partycode:${code}`,
  /** Monotonic counter: a ticket's place in its queue. */
  seq: "mm:seq",
};
const PREFIX = { ticket: KEY.ticket(""), user: KEY.user(""), party: KEY.party(""), partyCode: KEY.partyCode("") };

/**
 * KEYS: user, ticket, queue, seq. ARGV: ticketId, ticketJson, ttlMs, playersPerMatch,
 * holder, ticket prefix, user prefix.
 * → {"busy", holder} | {"queued"} | {"matched", ticketJson...}
 */
const ENQUEUE = `
local holder = redis.call('GET', KEYS[1])
if holder then return {'busy', holder} end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
local n = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[3]) < n then return {'queued'} end
local picked = {}
while #picked < n do
  local popped = redis.call('ZPOPMIN', KEYS[3])
  if #popped == 0 then break end
  local json = redis.call('GET', ARGV[6] .. popped[1])
  if json then table.insert(picked, {popped[1], popped[2], json}) end
end
if #picked < n then
  for _, p in ipairs(picked) do redis.call('ZADD', KEYS[3], p[2], p[1]) end
  return {'queued'}
end
local out = {'matched'}
for _, p in ipairs(picked) do
  redis.call('DEL', ARGV[6] .. p[1])
  local userKey = ARGV[7] .. cjson.decode(p[3]).userId
  if redis.call('GET', userKey) == 't:' .. p[1] then redis.call('DEL', userKey) end
  table.insert(out, p[3])
end
return out
`;

/** KEYS: queue, ticket, user. ARGV: ticketId, holder. → 1 removed | 0 not queued */
const CANCEL = `
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
return removed
`;

/** KEYS: user, partyCode, party. ARGV: partyJson, partyId, ttlMs, holder. → {"ok"} | {"busy", holder} | {"code_taken"} */
const CREATE_PARTY = `
local holder = redis.call('GET', KEYS[1])
if holder then return {'busy', holder} end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'code_taken'} end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
return {'ok'}
`;

/**
 * KEYS: partyCode, user. ARGV: memberJson, ttlMs, party prefix.
 * → {"ok", partyJson} | {"not_found"} | {"full"} | {"busy", holder}
 */
const JOIN_PARTY = `
local partyId = redis.call('GET', KEYS[1])
if not partyId then return {'not_found'} end
local partyKey = ARGV[3] .. partyId
local raw = redis.call('GET', partyKey)
if not raw then return {'not_found'} end
local holder = redis.call('GET', KEYS[2])
if holder then return {'busy', holder} end
local party = cjson.decode(raw)
if #party.members >= party.criteria.playersPerMatch then return {'full'} end
table.insert(party.members, cjson.decode(ARGV[1]))
local out = cjson.encode(party)
redis.call('SET', partyKey, out, 'PX', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], 'p:' .. partyId, 'PX', ARGV[2])
return {'ok', out}
`;

/**
 * KEYS: party, user. ARGV: userId, holder, ttlMs, partyCode prefix.
 * → {"left", partyJson} | {"dissolved"} | {"gone"}
 */
const LEAVE_PARTY = `
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
local raw = redis.call('GET', KEYS[1])
if not raw then return {'gone'} end
local party = cjson.decode(raw)
local kept = {}
local found = false
for _, m in ipairs(party.members) do
  if m.userId == ARGV[1] then found = true else table.insert(kept, m) end
end
if not found then return {'gone'} end
if #kept == 0 then
  redis.call('DEL', KEYS[1], ARGV[4] .. party.partyCode)
  return {'dissolved'}
end
party.members = kept
if party.leaderUserId == ARGV[1] then party.leaderUserId = kept[1].userId end
local out = cjson.encode(party)
redis.call('SET', KEYS[1], out, 'PX', ARGV[3])
return {'left', out}
`;

/**
 * KEYS: party. ARGV: userId, user prefix, partyCode prefix.
 * → {"started", partyJson} | {"not_found"} | {"not_leader"} | {"not_full", count, needed}
 */
const START_PARTY = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not_found'} end
local party = cjson.decode(raw)
if party.leaderUserId ~= ARGV[1] then return {'not_leader'} end
if #party.members < party.criteria.playersPerMatch then return {'not_full', tostring(#party.members), tostring(party.criteria.playersPerMatch)} end
redis.call('DEL', KEYS[1], ARGV[3] .. party.partyCode)
for _, m in ipairs(party.members) do
  local userKey = ARGV[2] .. m.userId
  if redis.call('GET', userKey) == 'p:' .. party.partyId then redis.call('DEL', userKey) end
end
return {'started', raw}
`;

type Reply = [string, ...string[]];
type Script = (...args: Array<string | number>) => Promise<Reply>;

interface ScriptedRedis {
  mmEnqueue: Script;
  mmCancel: (...args: Array<string | number>) => Promise<number>;
  mmCreateParty: Script;
  mmJoinParty: Script;
  mmLeaveParty: Script;
  mmStartParty: Script;
}

/** Lua's cjson writes an empty table as `{}`; a party always has members, but be strict when reading. */
function parseParty(json: string): Party {
  const party = JSON.parse(json) as Party;
  if (!Array.isArray(party.members)) party.members = [];
  return party;
}

export class RedisMatchStore implements MatchStore {
  private readonly scripts: ScriptedRedis;

  constructor(private readonly redis: Redis, private readonly ttlMs = MATCH_RECORD_TTL_MS) {
    const define = (name: keyof ScriptedRedis, numberOfKeys: number, lua: string) => {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    };
    define("mmEnqueue", 4, ENQUEUE);
    define("mmCancel", 3, CANCEL);
    define("mmCreateParty", 3, CREATE_PARTY);
    define("mmJoinParty", 2, JOIN_PARTY);
    define("mmLeaveParty", 2, LEAVE_PARTY);
    define("mmStartParty", 1, START_PARTY);
    this.scripts = redis as unknown as ScriptedRedis;
  }

  async enqueue(ticket: Ticket, playersPerMatch: number): Promise<EnqueueResult> {
    const [kind, ...rest] = await this.scripts.mmEnqueue(
      KEY.user(ticket.userId),
      KEY.ticket(ticket.ticketId),
      KEY.queue(ticket.queueKey),
      KEY.seq,
      ticket.ticketId,
      JSON.stringify(ticket),
      this.ttlMs,
      playersPerMatch,
      ticketHolder(ticket.ticketId),
      PREFIX.ticket,
      PREFIX.user,
    );
    if (kind === "busy") return { kind, holder: rest[0] };
    if (kind === "matched") return { kind, tickets: rest.map((json) => JSON.parse(json) as Ticket) };
    return { kind: "queued" };
  }

  async cancel(ticket: { ticketId: string; userId: string; queueKey: string }): Promise<boolean> {
    const removed = await this.scripts.mmCancel(
      KEY.queue(ticket.queueKey),
      KEY.ticket(ticket.ticketId),
      KEY.user(ticket.userId),
      ticket.ticketId,
      ticketHolder(ticket.ticketId),
    );
    return removed === 1;
  }

  async createParty(party: Party): Promise<CreatePartyResult> {
    const [kind, holder] = await this.scripts.mmCreateParty(
      KEY.user(party.members[0].userId),
      KEY.partyCode(party.partyCode),
      KEY.party(party.partyId),
      JSON.stringify(party),
      party.partyId,
      this.ttlMs,
      partyHolder(party.partyId),
    );
    if (kind === "busy") return { kind, holder };
    return kind === "ok" ? { kind } : { kind: "code_taken" };
  }

  async joinParty(partyCode: string, member: PartyMember): Promise<JoinPartyResult> {
    const [kind, value] = await this.scripts.mmJoinParty(
      KEY.partyCode(partyCode),
      KEY.user(member.userId),
      JSON.stringify(member),
      this.ttlMs,
      PREFIX.party,
    );
    if (kind === "ok") return { kind, party: parseParty(value) };
    if (kind === "busy") return { kind, holder: value };
    return kind === "full" ? { kind } : { kind: "not_found" };
  }

  async leaveParty(partyId: string, userId: string): Promise<LeavePartyResult> {
    const [kind, json] = await this.scripts.mmLeaveParty(
      KEY.party(partyId),
      KEY.user(userId),
      userId,
      partyHolder(partyId),
      this.ttlMs,
      PREFIX.partyCode,
    );
    if (kind === "left") return { kind, party: parseParty(json) };
    return kind === "dissolved" ? { kind } : { kind: "gone" };
  }

  async startParty(partyId: string, userId: string): Promise<StartPartyResult> {
    const [kind, value, needed] = await this.scripts.mmStartParty(KEY.party(partyId), userId, PREFIX.user, PREFIX.partyCode);
    if (kind === "started") return { kind, party: parseParty(value) };
    if (kind === "not_full") return { kind, members: Number(value), needed: Number(needed) };
    return kind === "not_leader" ? { kind } : { kind: "not_found" };
  }

  async refresh(held: HeldRecords): Promise<void> {
    if (held.tickets.length === 0 && held.parties.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const t of held.tickets) {
      pipeline.pexpire(KEY.ticket(t.ticketId), this.ttlMs);
      pipeline.pexpire(KEY.user(t.userId), this.ttlMs);
      pipeline.pexpire(KEY.queue(t.queueKey), this.ttlMs);
    }
    for (const p of held.parties) {
      pipeline.pexpire(KEY.party(p.partyId), this.ttlMs);
      pipeline.pexpire(KEY.partyCode(p.partyCode), this.ttlMs);
      pipeline.pexpire(KEY.user(p.userId), this.ttlMs);
    }
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  async queueLength(queueKey: string): Promise<number> {
    return this.redis.zcard(KEY.queue(queueKey));
  }
}
