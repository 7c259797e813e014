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
      assert.deepEqual(await store.enqueue(a, 3), { kind: "queued" });
      assert.deepEqual(await store.enqueue(b, 3), { kind: "queued" });
      const third = await store.enqueue(c3, 3);
      assert.equal(third.kind, "matched");
      assert.deepEqual(third.kind === "matched" && third.tickets.map((x) => x.userId), ["a", "b", "c"]);
      assert.equal(await store.queueLength(a.queueKey), 0);
      assert.deepEqual(await store.enqueue(d, 3), { kind: "queued" });
      assert.equal(await store.queueLength(a.queueKey), 1);
    });

    guard("a user holds one ticket or party at a time and is free once matched or cancelled", async () => {
      const [store] = await flavour.make();
      const c = criteria(2, "busy");
      const first = ticket("u", c);
      await store.enqueue(first, 2);
      assert.deepEqual(await store.enqueue(ticket("u", criteria(4)), 4), { kind: "busy", holder: `t:${first.ticketId}` });
      assert.deepEqual(await store.createParty(party("u", "AAAAAA", 2)), { kind: "busy", holder: `t:${first.ticketId}` });
      assert.equal(await store.cancel(first), true);
      assert.equal(await store.cancel(first), false);
      const again = ticket("u", c);
      assert.equal((await store.enqueue(again, 2)).kind, "queued");
      assert.equal((await store.enqueue(ticket("v", c), 2)).kind, "matched");
      assert.equal((await store.enqueue(ticket("u", c), 2)).kind, "queued");
    });

    guard("40 tickets racing from two processes make exactly 10 matches of 4, each ticket once", async () => {
      const stores = await flavour.make(2);
      const c = criteria(4, "race");
      const tickets = Array.from({ length: 40 }, (_, i) => ticket(`racer${i}`, c));
      const results = await Promise.all(tickets.map((tk, i) => stores[i % 2].enqueue(tk, 4)));
      const matches = results.filter((r) => r.kind === "matched");
      assert.equal(matches.length, 10);
      const seated = matches.flatMap((m) => (m.kind === "matched" ? m.tickets.map((x) => x.ticketId) : []));
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

    guard("only the leader of a full party starts it, once, and its members are freed", async () => {
      const [store] = await flavour.make();
      const p = party("lead", "STARTS", 2);
      await store.createParty(p);
      assert.deepEqual(await store.startParty(p.partyId, "lead"), { kind: "not_full", members: 1, needed: 2 });
      await store.joinParty("STARTS", member("b"));
      assert.deepEqual(await store.startParty(p.partyId, "b"), { kind: "not_leader" });
      const started = await store.startParty(p.partyId, "lead");
      assert.equal(started.kind, "started");
      assert.deepEqual(started.kind === "started" && started.party.members.map((m) => m.userId), ["lead", "b"]);
      assert.deepEqual(started.kind === "started" && started.party.members[0].name, "LEAD");
      assert.deepEqual(await store.startParty(p.partyId, "lead"), { kind: "not_found" });
      assert.equal((await store.enqueue(ticket("b", criteria(2, "after")), 2)).kind, "queued");
    });
  });
}

describe("RedisMatchStore records expire unless refreshed", () => {
  const guard = (name: string, fn: () => Promise<void>) => test(name, { skip: redisSkip }, fn);

  guard("a ticket whose process stopped refreshing it is skipped, not seated", async () => {
    const redis = await freshTestDb();
    redisClients.push(redis);
    const store = new RedisMatchStore(redis, 300);
    const c = criteria(2, "ghost");
    await store.enqueue(ticket("ghost", c), 2);
    // The record's TTL (300 ms) must run out: time has to pass.
    await elapse(600);
    assert.equal((await store.enqueue(ticket("live1", c), 2)).kind, "queued");
    const m = await store.enqueue(ticket("live2", c), 2);
    assert.deepEqual(m.kind === "matched" && m.tickets.map((x) => x.userId), ["live1", "live2"]);
  });

  guard("a refreshed ticket stays", async () => {
    const redis = await freshTestDb();
    redisClients.push(redis);
    const store = new RedisMatchStore(redis, 400);
    const c = criteria(2, "kept");
    const kept = ticket("kept", c);
    await store.enqueue(kept, 2);
    for (let i = 0; i < 4; i++) {
      await elapse(200); // refreshed every 200 ms, inside the 400 ms TTL, for longer than the TTL
      await store.refresh({ tickets: [kept], parties: [] });
    }
    const m = await store.enqueue(ticket("late", c), 2);
    assert.deepEqual(m.kind === "matched" && m.tickets.map((x) => x.userId), ["kept", "late"]);
  });
});
