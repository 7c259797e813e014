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
 * and dropped when a match is taken. Pending matches: ./redisPending.ts; holders whose
 * player's matchmaker room is gone: ./redisStale.ts.
 */
import type { Redis } from "ioredis";
import { MATCH_RECORD_TTL_MS } from "../utils/limits.ts";
import { COMMIT, DROP, LUA_LIB, RESTORE, STALE } from "./redisPending.ts";
import { EVICT, HELD_AT, LUA_LEAVE } from "./redisStale.ts";
import {
  partyHolder,
  ticketHolder,
  type Claim,
  type ClaimTag,
  type CreatePartyResult,
  type EnqueueResult,
  type EvictResult,
  type HeldAt,
  type HeldRecords,
  type JoinPartyResult,
  type LeavePartyResult,
  type MatchStore,
  type Party,
  type PartyMember,
  type RestoreResult,
  type StalePending,
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
  /** Pending matches by claim time (./redisPending.ts). */
  pending: "mm:pending",
  claim: (matchId: string) => `mm:pending:${matchId}`,
  matched: (matchId: string) => `mm:matched:${matchId}`,
};
const PREFIX = {
  ticket: KEY.ticket(""),
  user: KEY.user(""),
  queue: KEY.queue(""),
  party: KEY.party(""),
  partyCode: KEY.partyCode(""),
  claim: KEY.claim(""),
};

/**
 * KEYS: user, ticket, queue, seq, pending. ARGV: ticketId, ticketJson, ttlMs,
 * playersPerMatch, holder, ticket prefix, claim prefix, matchId, by.
 * → {"busy", holder} | {"queued"} | {"matched", ticketJson...}
 */
const ENQUEUE = `${LUA_LIB}
local holder = redis.call('GET', KEYS[1])
if holder then return {'busy', holder} end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
local n = tonumber(ARGV[4])
if redis.call('ZCARD', KEYS[3]) < n then return {'queued'} end
local jsons, seqs = take(KEYS[3], n, ARGV[6])
if not jsons then return {'queued'} end
pend(KEYS[5], ARGV[7], ARGV[8], ARGV[9], queueClaim(jsons, seqs), ARGV[3])
return {'matched', unpack(jsons)}
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
const LEAVE_PARTY = `${LUA_LEAVE}
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return leave(KEYS[1], ARGV[1], ARGV[3], ARGV[4])
`;

/**
 * KEYS: party, pending. ARGV: userId, partyCode prefix, claim prefix, matchId, by, ttlMs.
 * → {"started", partyJson} | {"not_found"} | {"not_leader"} | {"not_full", count, needed}
 */
const START_PARTY = `${LUA_LIB}
local raw = redis.call('GET', KEYS[1])
if not raw then return {'not_found'} end
local party = cjson.decode(raw)
if party.leaderUserId ~= ARGV[1] then return {'not_leader'} end
if #party.members < party.criteria.playersPerMatch then return {'not_full', tostring(#party.members), tostring(party.criteria.playersPerMatch)} end
redis.call('DEL', KEYS[1], ARGV[2] .. party.partyCode)
pend(KEYS[2], ARGV[3], ARGV[4], ARGV[5], partyClaim(raw), ARGV[6])
return {'started', raw}
`;

type Reply = [string, ...string[]];
type Script = (...args: Array<string | number>) => Promise<Reply>;

type CountScript = (...args: Array<string | number>) => Promise<number>;

interface ScriptedRedis {
  mmEnqueue: Script;
  mmCancel: CountScript;
  mmCreateParty: Script;
  mmJoinParty: Script;
  mmLeaveParty: Script;
  mmStartParty: Script;
  mmCommit: CountScript;
  mmDrop: CountScript;
  mmStale: (...args: Array<string | number>) => Promise<string[]>;
  mmRestore: Script;
  mmHeldAt: (...args: Array<string | number>) => Promise<string[]>;
  mmEvict: Script;
}

/** Lua's cjson writes an empty table as `{}`; a party always has members, but be strict when reading. */
function parseParty(json: string): Party {
  const party = JSON.parse(json) as Party;
  if (!Array.isArray(party.members)) party.members = [];
  return party;
}

/** A claim as the scripts record it (queue claims also keep each ticket's place, for restoring it). */
function parseClaim(matchId: string, json: string): Claim {
  const raw = JSON.parse(json) as { source: "queue"; tickets: Ticket[] } | { source: "party"; party: Party };
  if (raw.source === "party") return { source: "party", matchId, party: { ...raw.party, members: Array.isArray(raw.party.members) ? raw.party.members : [] } };
  return { source: "queue", matchId, tickets: raw.tickets };
}

export class RedisMatchStore implements MatchStore {
  private readonly scripts: ScriptedRedis;

  constructor(private readonly redis: Redis, private readonly ttlMs = MATCH_RECORD_TTL_MS) {
    const define = (name: keyof ScriptedRedis, numberOfKeys: number, lua: string) => {
      if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
    };
    define("mmEnqueue", 5, ENQUEUE);
    define("mmCancel", 3, CANCEL);
    define("mmCreateParty", 3, CREATE_PARTY);
    define("mmJoinParty", 2, JOIN_PARTY);
    define("mmLeaveParty", 2, LEAVE_PARTY);
    define("mmStartParty", 2, START_PARTY);
    define("mmCommit", 3, COMMIT);
    define("mmDrop", 2, DROP);
    define("mmStale", 1, STALE);
    define("mmRestore", 2, RESTORE);
    define("mmHeldAt", 1, HELD_AT);
    define("mmEvict", 1, EVICT);
    this.scripts = redis as unknown as ScriptedRedis;
  }

  async enqueue(ticket: Ticket, playersPerMatch: number, tag: ClaimTag): Promise<EnqueueResult> {
    const [kind, ...rest] = await this.scripts.mmEnqueue(
      KEY.user(ticket.userId),
      KEY.ticket(ticket.ticketId),
      KEY.queue(ticket.queueKey),
      KEY.seq,
      KEY.pending,
      ticket.ticketId,
      JSON.stringify(ticket),
      this.ttlMs,
      playersPerMatch,
      ticketHolder(ticket.ticketId),
      PREFIX.ticket,
      PREFIX.claim,
      tag.matchId,
      tag.by,
    );
    if (kind === "busy") return { kind, holder: rest[0] };
    if (kind === "matched") return { kind, claim: { source: "queue", matchId: tag.matchId, tickets: rest.map((json) => JSON.parse(json) as Ticket) } };
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

  async startParty(partyId: string, userId: string, tag: ClaimTag): Promise<StartPartyResult> {
    const [kind, value, needed] = await this.scripts.mmStartParty(KEY.party(partyId), KEY.pending, userId, PREFIX.partyCode, PREFIX.claim, tag.matchId, tag.by, this.ttlMs);
    if (kind === "started") return { kind, claim: { source: "party", matchId: tag.matchId, party: parseParty(value) } };
    if (kind === "not_full") return { kind, members: Number(value), needed: Number(needed) };
    return kind === "not_leader" ? { kind } : { kind: "not_found" };
  }

  async commitMatch(matchId: string, roomId: string): Promise<boolean> {
    return (await this.scripts.mmCommit(KEY.pending, KEY.claim(matchId), KEY.matched(matchId), matchId, roomId, this.ttlMs, PREFIX.user)) === 1;
  }

  async dropMatch(matchId: string): Promise<boolean> {
    return (await this.scripts.mmDrop(KEY.pending, KEY.claim(matchId), matchId, PREFIX.user)) === 1;
  }

  async stalePending(olderThanMs: number, limit: number): Promise<StalePending[]> {
    const flat = await this.scripts.mmStale(KEY.pending, olderThanMs, limit, PREFIX.claim);
    const out: StalePending[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      out.push({ claim: parseClaim(flat[i]!, flat[i + 3]!), by: flat[i + 1]!, ageMs: Number(flat[i + 2]) });
    }
    return out;
  }

  async restorePending(matchId: string, live: string[], tag: ClaimTag, spareCode: string): Promise<RestoreResult> {
    const [kind, again, party, ...kept] = await this.scripts.mmRestore(
      KEY.pending,
      KEY.claim(matchId),
      matchId,
      JSON.stringify(live),
      tag.matchId,
      tag.by,
      this.ttlMs,
      PREFIX.ticket,
      PREFIX.user,
      PREFIX.queue,
      PREFIX.party,
      PREFIX.partyCode,
      PREFIX.claim,
      spareCode,
    );
    if (kind !== "restored") return { kind: "gone" };
    return {
      kind,
      kept,
      ...(party ? { party: parseParty(party) } : {}),
      ...(again ? { claim: parseClaim(tag.matchId, again) } : {}),
    };
  }

  async heldAt(userId: string): Promise<HeldAt | null> {
    const [holder, lobbyRoomId] = await this.scripts.mmHeldAt(KEY.user(userId), userId, PREFIX.ticket, PREFIX.party);
    return holder && lobbyRoomId ? { holder, lobbyRoomId } : null;
  }

  async evict(userId: string, at: HeldAt): Promise<EvictResult> {
    const [kind, json] = await this.scripts.mmEvict(
      KEY.user(userId),
      userId,
      at.holder,
      at.lobbyRoomId,
      PREFIX.ticket,
      PREFIX.queue,
      PREFIX.party,
      PREFIX.partyCode,
      this.ttlMs,
    );
    if (kind === "left") return { kind, party: parseParty(json) };
    if (kind === "cancelled" || kind === "dissolved" || kind === "gone") return { kind };
    return { kind: "moved" };
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
