/**
 * The two matchmaking stores behave the same (MemoryMatchStore in one process,
 * RedisMatchStore on a real Redis, DB 12): queues take exactly playersPerMatch tickets,
 * never twice and never leaving a full match waiting, even with two "processes"
 * (two Redis connections) racing; parties keep their invariants.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { MemoryMatchStore } from "../../src/matchmaking/memoryStore.ts";
import { RedisMatchStore } from "../../src/matchmaking/redisStore.ts";
import type { MatchStore, Party, QueueCriteria, Ticket } from "../../src/matchmaking/store.ts";
import { elapse } from "../support/wait.ts";
import { freshTestDb, skipWithoutRedis } from "../support/redis.ts";

const criteria = (playersPerMatch: number, modeId = "m"): QueueCriteria => ({ playersPerMatch, modeId, region: "any", gameRoomName: "game_room" });
const queueKeyFor = (c: QueueCriteria) => `${c.playersPerMatch}:${c.modeId}:${c.region}:${c.gameRoomName}`;

function ticket(userId: string, c: QueueCriteria): Ticket {
  return { ticketId: `t-${randomUUID()}`, userId, queueKey: queueKeyFor(c), criteria: c, recordFrames: false, lobbyRoomId: "lobby", sessionId: `s-${userId}`, createdAt: Date.now() };
}

function party(leader: string, code: string, playersPerMatch: number): Party {
  return {
    partyId: `p-${randomUUID()}`,
    partyCode: code,
    leaderUserId: leader,
    criteria: criteria(playersPerMatch),
    recordFrames: false,
    members: [{ userId: leader, name: leader.toUpperCase(), lobbyRoomId: "lobby", sessionId: `s-${leader}` }],
    createdAt: Date.now(),
  };
}
const member = (userId: string) => ({ userId, lobbyRoomId: "lobby", sessionId: `s-${userId}` });
/** The claim a store call may make: a fresh match id, claimed by a test "process". */
const tag = (by = "p-test") => ({ matchId: `m-${randomUUID()}`, by });

const redisSkip = await skipWithoutRedis();
const redisClients: Redis[] = [];
after(() => {
  for (const r of redisClients) r.disconnect();
});

interface Flavour {
  name: string;
  /** `count` stores sharing one backing store (several processes); the first is used alone. */
  make(count?: number): Promise<MatchStore[]>;
  redis: boolean;
}

const flavours: Flavour[] = [
  { name: "MemoryMatchStore", redis: false, make: async (count = 1) => Array(count).fill(new MemoryMatchStore()) },
  {
    name: "RedisMatchStore",
    redis: true,
    make: async (count = 1) => {
      const first = await freshTestDb();
      redisClients.push(first);
      const stores: MatchStore[] = [new RedisMatchStore(first)];
      for (let i = 1; i < count; i++) {
        const other = first.duplicate();
        redisClients.push(other);
        stores.push(new RedisMatchStore(other));
      }
      return stores;
    },
  },
];

for (const flavour of flavours) {
  describe(flavour.name, () => {
    const guard = (name: string, fn: () => Promise<void>) => test(name, { skip: flavour.redis ? redisSkip : false }, fn);

    guard("a queue takes exactly playersPerMatch tickets, oldest first, in the step that fills it", async () => {
      const [store] = await flavour.make();
      const c = criteria(3);
      const [a, b, c3, d] = ["a", "b", "c", "d"].map((u) => ticket(u, c));
      assert.deepEqual(await store.enqueue(a, 3, tag()), { kind: "queued" });
      assert.deepEqual(await store.enqueue(b, 3, tag()), { kind: "queued" });
      const third = await store.enqueue(c3, 3, tag());
      assert.equal(third.kind, "matched");
      assert.deepEqual(third.kind === "matched" && third.claim.tickets.map((x) => x.userId), ["a", "b", "c"]);
      assert.equal(await store.queueLength(a.queueKey), 0);
      assert.deepEqual(await store.enqueue(d, 3, tag()), { kind: "queued" });
      assert.equal(await store.queueLength(a.queueKey), 1);
    });

    guard("a user holds one ticket or party at a time, until it is cancelled or its match has a room", async () => {
      const [store] = await flavour.make();
      const c = criteria(2, "busy");
      const first = ticket("u", c);
      await store.enqueue(first, 2, tag());
      assert.deepEqual(await store.enqueue(ticket("u", criteria(4)), 4, tag()), { kind: "busy", holder: `t:${first.ticketId}` });
      assert.deepEqual(await store.createParty(party("u", "AAAAAA", 2)), { kind: "busy", holder: `t:${first.ticketId}` });
      assert.equal(await store.cancel(first), true);
      assert.equal(await store.cancel(first), false);
      const again = ticket("u", c);
      assert.equal((await store.enqueue(again, 2, tag())).kind, "queued");
      const matched = await store.enqueue(ticket("v", c), 2, tag());
      assert.ok(matched.kind === "matched");
      // Matched but no room yet: still held, so nobody is seated in two matches at once.
      assert.deepEqual(await store.enqueue(ticket("u", c), 2, tag()), { kind: "busy", holder: `t:${again.ticketId}` });
      assert.equal(await store.commitMatch(matched.claim.matchId, "room-1"), true);
      assert.equal((await store.enqueue(ticket("u", c), 2, tag())).kind, "queued");
    });

    guard("a claimed match is committed to one room: the room and its claimer both hear yes, any other room no", async () => {
      const [store] = await flavour.make();
      const c = criteria(2, "commit");
      await store.enqueue(ticket("c1", c), 2, tag());
      const matched = await store.enqueue(ticket("c2", c), 2, tag());
      assert.ok(matched.kind === "matched");
      const { matchId } = matched.claim;
      assert.equal(await store.commitMatch(matchId, "room-a"), true);
      assert.equal(await store.commitMatch(matchId, "room-a"), true);
      assert.equal(await store.commitMatch(matchId, "room-b"), false);
      assert.equal(await store.dropMatch(matchId), false, "a committed match is not dropped");
      assert.deepEqual(await store.stalePending(0, 10), []);
    });

    guard("40 tickets racing from two processes make exactly 10 matches of 4, each ticket once", async () => {
      const stores = await flavour.make(2);
      const c = criteria(4, "race");
      const tickets = Array.from({ length: 40 }, (_, i) => ticket(`racer${i}`, c));
      const results = await Promise.all(tickets.map((tk, i) => stores[i % 2].enqueue(tk, 4, tag())));
      const matches = results.filter((r) => r.kind === "matched");
      assert.equal(matches.length, 10);
      const seated = matches.flatMap((m) => (m.kind === "matched" ? m.claim.tickets.map((x) => x.ticketId) : []));
      assert.equal(seated.length, 40);
      assert.equal(new Set(seated).size, 40);
      assert.equal(await stores[0].queueLength(tickets[0].queueKey), 0);
    });

    guard("parties: codes, joins, a full party, the lead passing on, dissolving", async () => {
      const [store] = await flavour.make();
      const p = party("lead", "ABCDEF", 3);
      assert.deepEqual(await store.createParty(p), { kind: "ok" });
      assert.deepEqual(await store.createParty(party("other", "ABCDEF", 2)), { kind: "code_taken" });
      assert.deepEqual(await store.joinParty("QQQQQQ", member("b")), { kind: "not_found" });
      const joined = await store.joinParty("ABCDEF", member("b"));
      assert.equal(joined.kind, "ok");
      assert.deepEqual(joined.kind === "ok" && joined.party.members.map((m) => m.userId), ["lead", "b"]);
      assert.deepEqual(await store.joinParty("ABCDEF", member("b")), { kind: "busy", holder: `p:${p.partyId}` });
      assert.equal((await store.joinParty("ABCDEF", member("c"))).kind, "ok");
      assert.deepEqual(await store.joinParty("ABCDEF", member("d")), { kind: "full" });

      const left = await store.leaveParty(p.partyId, "lead");
      assert.equal(left.kind, "left");
      assert.equal(left.kind === "left" && left.party.leaderUserId, "b");
      assert.deepEqual(left.kind === "left" && left.party.members.map((m) => m.userId), ["b", "c"]);
      assert.deepEqual(await store.leaveParty(p.partyId, "lead"), { kind: "gone" });
      assert.equal((await store.leaveParty(p.partyId, "b")).kind, "left");
      assert.deepEqual(await store.leaveParty(p.partyId, "c"), { kind: "dissolved" });
      assert.deepEqual(await store.joinParty("ABCDEF", member("d")), { kind: "not_found" });
      assert.deepEqual(await store.createParty(party("e", "ABCDEF", 2)), { kind: "ok" }, "the code is free again");
    });

    guard("a stale holder is evicted only while that same holder, connected in that room, still holds the user", async () => {
      const [store] = await flavour.make();
      const c = criteria(3, "stale");
      const t = ticket("ghost", c);
      await store.enqueue(ticket("early", c), 3, tag());
      await store.enqueue(t, 3, tag());
      const at = await store.heldAt("ghost");
      assert.deepEqual(at, { holder: `t:${t.ticketId}`, lobbyRoomId: "lobby" });
      assert.equal(await store.heldAt("nobody"), null);
      assert.deepEqual(await store.evict("ghost", { ...at!, lobbyRoomId: "another-lobby" }), { kind: "moved" });
      assert.deepEqual(await store.evict("ghost", { ...at!, holder: "t:another-ticket" }), { kind: "moved" });
      assert.equal(await store.queueLength(t.queueKey), 2);
      assert.deepEqual(await store.evict("ghost", at!), { kind: "cancelled" });
      assert.deepEqual(await store.evict("ghost", at!), { kind: "moved" }, "once");
      assert.equal(await store.heldAt("ghost"), null);
      assert.equal(await store.queueLength(t.queueKey), 1, "only the ghost's ticket left the queue");
      assert.equal((await store.enqueue(ticket("ghost", c), 3, tag())).kind, "queued", "the user is free");

      // A pending match's players are not reported, nor evicted: the claim's own path frees them.
      const m = criteria(2, "stale-pending");
      const first = ticket("p1", m);
      await store.enqueue(first, 2, tag());
      assert.equal((await store.enqueue(ticket("p2", m), 2, tag())).kind, "matched");
      assert.equal(await store.heldAt("p1"), null);
      assert.deepEqual(await store.evict("p1", { holder: `t:${first.ticketId}`, lobbyRoomId: "lobby" }), { kind: "moved" });
      assert.equal((await store.enqueue(ticket("p1", m), 2, tag())).kind, "busy");
    });

    guard("a stale party seat is evicted as a leave: the lead passes on, the last one out dissolves the party", async () => {
      const [store] = await flavour.make();
      const p = party("lead", "STALEP", 3);
      await store.createParty(p);
      await store.joinParty("STALEP", member("b"));
      const at = await store.heldAt("lead");
      assert.deepEqual(at, { holder: `p:${p.partyId}`, lobbyRoomId: "lobby" });
      assert.deepEqual(await store.evict("lead", { ...at!, lobbyRoomId: "another-lobby" }), { kind: "moved" });
      const left = await store.evict("lead", at!);
      assert.equal(left.kind, "left");
      assert.equal(left.kind === "left" && left.party.leaderUserId, "b");
      assert.deepEqual(left.kind === "left" && left.party.members.map((x) => x.userId), ["b"]);
      assert.equal(await store.heldAt("lead"), null);
      assert.equal((await store.joinParty("STALEP", member("lead"))).kind, "ok", "the old leader may join again");
      await store.leaveParty(p.partyId, "lead");
      assert.deepEqual(await store.evict("b", (await store.heldAt("b"))!), { kind: "dissolved" });
      assert.deepEqual(await store.joinParty("STALEP", member("c")), { kind: "not_found" });
    });

    guard("only the leader of a full party starts it, once, and its members are freed when the match has a room or failed", async () => {
      const [store] = await flavour.make();
      const p = party("lead", "STARTS", 2);
      await store.createParty(p);
      assert.deepEqual(await store.startParty(p.partyId, "lead", tag()), { kind: "not_full", members: 1, needed: 2 });
      await store.joinParty("STARTS", member("b"));
      assert.deepEqual(await store.startParty(p.partyId, "b", tag()), { kind: "not_leader" });
      const started = await store.startParty(p.partyId, "lead", tag());
      assert.equal(started.kind, "started");
      assert.deepEqual(started.kind === "started" && started.claim.party.members.map((m) => m.userId), ["lead", "b"]);
      assert.deepEqual(started.kind === "started" && started.claim.party.members[0].name, "LEAD");
      assert.deepEqual(await store.startParty(p.partyId, "lead", tag()), { kind: "not_found" });
      assert.equal((await store.enqueue(ticket("b", criteria(2, "after")), 2, tag())).kind, "busy", "held until the match has a room");
      assert.ok(started.kind === "started" && (await store.dropMatch(started.claim.matchId)), "a room that could not be made frees them too");
      assert.equal((await store.enqueue(ticket("b", criteria(2, "after")), 2, tag())).kind, "queued");
    });
  });
}

describe("RedisMatchStore pending matches whose claimer is gone", () => {
  const guard = (name: string, fn: () => Promise<void>) => test(name, { skip: redisSkip }, fn);
  async function fresh(): Promise<RedisMatchStore> {
    const redis = await freshTestDb();
    redisClients.push(redis);
    return new RedisMatchStore(redis);
  }

  guard("a claim is found while pending, with its claimer and age, and not once its room committed it", async () => {
    const store = await fresh();
    const c = criteria(2, "stale");
    await store.enqueue(ticket("s1", c), 2, tag());
    const claimed = await store.enqueue(ticket("s2", c), 2, tag("p-dead"));
    assert.ok(claimed.kind === "matched");
    assert.deepEqual(await store.stalePending(60_000, 10), [], "younger than asked");
    const [stale, ...more] = await store.stalePending(0, 10);
    assert.deepEqual(more, []);
    assert.equal(stale.by, "p-dead");
    assert.ok(stale.ageMs >= 0 && stale.ageMs < 5_000, String(stale.ageMs));
    assert.deepEqual(stale.claim, claimed.claim);
    assert.equal(await store.commitMatch(claimed.claim.matchId, "room-1"), true);
    assert.deepEqual(await store.stalePending(0, 10), []);
    assert.deepEqual(await store.restorePending(claimed.claim.matchId, ["s1", "s2"], tag(), "SPARE1"), { kind: "gone" });
  });

  guard("restoring a queue claim puts the players still here back at their old place, releases the others, and the old claim can no longer commit", async () => {
    const store = await fresh();
    const c = criteria(3, "restore");
    const [a, b] = [ticket("a", c), ticket("b", c)];
    await store.enqueue(a, 3, tag());
    await store.enqueue(b, 3, tag());
    const claimed = await store.enqueue(ticket("dead", c), 3, tag("p-dead"));
    assert.ok(claimed.kind === "matched");
    const later = ticket("later", c);
    assert.deepEqual(await store.enqueue(later, 3, tag()), { kind: "queued" });

    // "dead"'s matchmaker room is gone; a and b are still here.
    const restored = await store.restorePending(claimed.claim.matchId, ["a", "b"], tag(), "SPARE1");
    assert.ok(restored.kind === "restored");
    assert.deepEqual(restored.kept, ["a", "b"]);
    assert.equal(restored.party, undefined);
    assert.ok(restored.claim?.source === "queue", "back in the queue with later, the three form a match at once");
    assert.deepEqual(restored.claim.tickets.map((t) => t.userId), ["a", "b", "later"], "a and b kept their place before later");
    assert.equal(await store.queueLength(a.queueKey), 0);
    assert.deepEqual(await store.restorePending(claimed.claim.matchId, ["a", "b"], tag(), "SPARE1"), { kind: "gone" }, "restored once");
    assert.equal(await store.commitMatch(claimed.claim.matchId, "late-room"), false, "the old claimer's room must close");
    assert.equal(await store.dropMatch(claimed.claim.matchId), false, "and its failure says nothing");
    // The dead process's player is free to queue at once; the others are held by the new match.
    assert.deepEqual(await store.enqueue(ticket("a", criteria(2)), 2, tag()), { kind: "busy", holder: `t:${a.ticketId}` });
    assert.deepEqual(await store.enqueue(ticket("dead", c), 3, tag()), { kind: "queued" });
  });

  guard("a queue claim restored with too few players here leaves them waiting at the front", async () => {
    const store = await fresh();
    const c = criteria(3, "front");
    const [a, b] = [ticket("a", c), ticket("b", c)];
    await store.enqueue(a, 3, tag());
    await store.enqueue(b, 3, tag());
    const claimed = await store.enqueue(ticket("dead", c), 3, tag("p-dead"));
    assert.ok(claimed.kind === "matched");
    assert.deepEqual(await store.restorePending(claimed.claim.matchId, ["b"], tag(), "SPARE1"), { kind: "restored", kept: ["b"] });
    assert.equal(await store.queueLength(c.playersPerMatch + ":front:any:game_room"), 1);
    await store.enqueue(ticket("x", c), 3, tag());
    const next = await store.enqueue(ticket("y", c), 3, tag());
    assert.ok(next.kind === "matched");
    assert.deepEqual(next.claim.tickets.map((t) => t.userId), ["b", "x", "y"]);
  });

  guard("restoring a queue claim whose players are all here (a hung claimer) forms the match again under a new id", async () => {
    const store = await fresh();
    const c = criteria(2, "hung");
    await store.enqueue(ticket("h1", c), 2, tag());
    const claimed = await store.enqueue(ticket("h2", c), 2, tag("p-hung"));
    assert.ok(claimed.kind === "matched");
    const again = tag("p-adopter");
    const restored = await store.restorePending(claimed.claim.matchId, ["h1", "h2"], again, "SPARE1");
    assert.ok(restored.kind === "restored" && restored.claim?.source === "queue");
    assert.equal(restored.claim.matchId, again.matchId);
    assert.deepEqual(restored.claim.tickets.map((t) => t.userId), ["h1", "h2"]);
    assert.equal(await store.queueLength(claimed.claim.tickets[0].queueKey), 0);
    const [stale] = await store.stalePending(0, 10);
    assert.equal(stale.by, "p-adopter", "the new claim is pending, claimed by the process that restored it");
    assert.equal(await store.commitMatch(claimed.claim.matchId, "hung-room"), false);
    assert.equal(await store.commitMatch(again.matchId, "room-2"), true);
    assert.equal(await store.commitMatch(again.matchId, "room-2"), true, "the room and its claimer both commit: same answer");
    assert.equal(await store.commitMatch(again.matchId, "room-3"), false);
  });

  guard("restoring a party claim brings the party back without its gone members, the lead passed on and its code working", async () => {
    const store = await fresh();
    const p = party("lead", "PARTYR", 3);
    await store.createParty(p);
    await store.joinParty("PARTYR", member("m1"));
    await store.joinParty("PARTYR", member("m2"));
    const started = await store.startParty(p.partyId, "lead", tag("p-dead"));
    assert.ok(started.kind === "started");
    // m2 left while the match was pending: it is not brought back.
    assert.deepEqual(await store.leaveParty(p.partyId, "m2"), { kind: "gone" });
    const restored = await store.restorePending(started.claim.matchId, ["m1", "m2"], tag(), "SPARE1");
    assert.ok(restored.kind === "restored" && restored.party);
    assert.deepEqual(restored.kept, ["m1"]);
    assert.equal(restored.claim, undefined);
    assert.equal(restored.party.leaderUserId, "m1");
    assert.equal(restored.party.partyCode, "PARTYR");
    assert.deepEqual(restored.party.members.map((m) => m.userId), ["m1"]);
    const joined = await store.joinParty("PARTYR", member("lead"));
    assert.ok(joined.kind === "ok", "the gone leader was released and may join again");
    assert.deepEqual(joined.party.members.map((m) => m.userId), ["m1", "lead"]);
    assert.equal((await store.enqueue(ticket("m2", criteria(2)), 2, tag())).kind, "queued", "the member who left is free");
  });

  guard("restoring a party claim whose members are all here starts it again", async () => {
    const store = await fresh();
    const p = party("lead", "PARTYH", 2);
    await store.createParty(p);
    await store.joinParty("PARTYH", member("m1"));
    const started = await store.startParty(p.partyId, "lead", tag("p-hung"));
    assert.ok(started.kind === "started");
    const again = tag();
    const restored = await store.restorePending(started.claim.matchId, ["lead", "m1"], again, "SPARE1");
    assert.ok(restored.kind === "restored" && restored.claim?.source === "party");
    assert.equal(restored.claim.matchId, again.matchId);
    assert.deepEqual(restored.claim.party.members.map((m) => m.userId), ["lead", "m1"]);
    assert.equal(restored.party, undefined);
  });
});

describe("RedisMatchStore records expire unless refreshed", () => {
  const guard = (name: string, fn: () => Promise<void>) => test(name, { skip: redisSkip }, fn);

  guard("a ticket whose process stopped refreshing it is skipped, not seated", async () => {
    const redis = await freshTestDb();
    redisClients.push(redis);
    const store = new RedisMatchStore(redis, 300);
    const c = criteria(2, "ghost");
    await store.enqueue(ticket("ghost", c), 2, tag());
    // The record's TTL (300 ms) must run out: time has to pass.
    await elapse(600);
    assert.equal((await store.enqueue(ticket("live1", c), 2, tag())).kind, "queued");
    const m = await store.enqueue(ticket("live2", c), 2, tag());
    assert.deepEqual(m.kind === "matched" && m.claim.tickets.map((x) => x.userId), ["live1", "live2"]);
  });

  guard("a refreshed ticket stays", async () => {
    const redis = await freshTestDb();
    redisClients.push(redis);
    const store = new RedisMatchStore(redis, 400);
    const c = criteria(2, "kept");
    const kept = ticket("kept", c);
    await store.enqueue(kept, 2, tag());
    for (let i = 0; i < 4; i++) {
      await elapse(200); // refreshed every 200 ms, inside the 400 ms TTL, for longer than the TTL
      await store.refresh({ tickets: [kept], parties: [] });
    }
    const m = await store.enqueue(ticket("late", c), 2, tag());
    assert.deepEqual(m.kind === "matched" && m.claim.tickets.map((x) => x.userId), ["kept", "late"]);
  });
});
