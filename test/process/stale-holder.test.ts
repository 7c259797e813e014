/**
 * A player whose matchmaker connection died with its process (issue 13): two real server
 * processes share a real Redis; the second is killed with SIGKILL while its player waits
 * in a queue or sits in a party. Before the fix, that player, back through the surviving
 * process (a phone reconnecting through the load balancer), was refused with
 * ALREADY_QUEUED / ALREADY_IN_PARTY until its dead records expired (2 minutes), and live
 * players were matched with its dead ticket, or started a party with its dead seat. Now
 * the old ticket or seat is dropped when the player asks again, or when a match would
 * seat it, and everyone plays. A holder on a live process still refuses, as before.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertOneMatch, assertPlaying, enterMatch, type Lobby, type MatchFound } from "../support/matchmaking-helpers.ts";
import type { ServerProcess } from "../support/processes.ts";
import { KillableCluster } from "../support/killableCluster.ts";
import { TEST_REDIS_DB, skipWithoutRedis, testRedisUrl } from "../support/redis.ts";
import { elapse, waitFor } from "../support/wait.ts";

const REDIS_URL = testRedisUrl(TEST_REDIS_DB.staleHolders);
const JWT_SECRET = "stale-holder-test-secret";
/** How fast the returning player's request must be answered: a few Redis round trips (measured: tens of ms; printed). */
const ANSWERED_WITHIN_MS = 2_000;

const skip = await skipWithoutRedis(REDIS_URL);
describe("a player whose matchmaker process was killed while it waited", { skip }, () => {
  const cluster = new KillableCluster(REDIS_URL, JWT_SECRET);
  const player = (node: ServerProcess, name: string, userId?: string) => cluster.player(node, name, userId);


  /** SIGKILL, as a crash or `kill -9`; when it was dead (performance.now()). */
  async function kill(node: ServerProcess): Promise<number> {
    await node.kill();
    return performance.now();
  }

  /** Sends `type` and waits for its answer, success or error, whichever comes; with how long it took. */
  async function answer(lobby: Lobby, type: string, payload: unknown, ok: string, error: string): Promise<{ type: string; body: any; ms: number }> {
    const sentAt = performance.now();
    lobby.room.send(type, payload);
    const got = await waitFor(() => [ok, error].find((t) => lobby.inbox.pending(t).length > 0), { timeoutMs: 15_000, what: `an answer to ${type}` });
    const body = await lobby.inbox.take(got);
    return { type: got, body, ms: Math.round(performance.now() - sentAt) };
  }

  async function play(lobbies: Lobby[]): Promise<MatchFound[]> {
    const found = await Promise.all(lobbies.map((p) => p.inbox.take<MatchFound>("match:found", () => true, 15_000)));
    assertOneMatch(found, lobbies.length);
    const rooms = (await Promise.all(lobbies.map((p, i) => enterMatch(p, found[i])))).map((e) => e.room);
    cluster.opened.push(...rooms);
    await assertPlaying(rooms, 0);
    await assertPlaying(rooms, 1);
    return found;
  }

  before(() => cluster.open());
  after(() => cluster.close());

  test("queue: back through the other process, match:find is answered match:queued at once; matched, it plays", async (t) => {
    const node = await cluster.doomedNode();
    const criteria = { playersPerMatch: 2, modeId: "stale" };
    const a = await player(node, "a");
    await a.ask("match:find", criteria, "match:queued");
    // A second tab of the same user on the other, live, process is refused, as always.
    const tab = await player(cluster.survivor, "a", a.userId);
    assert.equal((await tab.ask("match:find", criteria, "match:error")).code, "ALREADY_QUEUED");
    assert.equal((await tab.ask("party:create", criteria, "party:error")).code, "ALREADY_QUEUED");

    const killedAt = await kill(node);
    const back = await player(cluster.survivor, "a", a.userId);
    const reply = await answer(back, "match:find", criteria, "match:queued", "match:error");
    const sinceKillMs = Math.round(performance.now() - killedAt);
    assert.equal(reply.type, "match:queued", `answered ${JSON.stringify(reply.body)}`);
    assert.deepEqual(reply.body, { queueKey: "2:stale:any:game_room", playersPerMatch: 2 });
    assert.ok(reply.ms < ANSWERED_WITHIN_MS, `match:queued after ${reply.ms} ms`);
    assert.equal(await cluster.redis.zcard("mm:queue:2:stale:any:game_room"), 1, "the dead ticket is off the queue, the new one on it");

    const b = await player(cluster.survivor, "b");
    const queuedAt = performance.now();
    await b.ask("match:find", criteria, "match:queued");
    await play([back, b]);
    const matchMs = Math.round(performance.now() - queuedAt);
    assert.equal(await cluster.survivor.metric("framesync_stale_holders_total", { kind: "ticket", found: "request" }), 1);
    t.diagnostic(`kill → match:find sent and answered match:queued: ${sinceKillMs} ms (the request itself ${reply.ms} ms); b queued → both matched and in the room ${matchMs} ms`);
  });

  test("queue: a live player queuing after the kill is not matched with the dead ticket; the dead player, back, is", async (t) => {
    const node = await cluster.doomedNode();
    const criteria = { playersPerMatch: 2, modeId: "ghost" };
    const queue = "mm:queue:2:ghost:any:game_room";
    const a = await player(node, "a");
    await a.ask("match:find", criteria, "match:queued");
    await kill(node);

    const c = await player(cluster.survivor, "c");
    const queuedAt = performance.now();
    await c.ask("match:find", criteria, "match:queued");
    await waitFor(async () => (await cluster.redis.exists(`mm:user:${a.userId}`)) === 0, { timeoutMs: 5_000, what: "the dead player released" });
    const releasedMs = Math.round(performance.now() - queuedAt);
    const waiting = await cluster.redis.zrange(queue, 0, -1);
    assert.equal(waiting.length, 1, "c waits alone");
    assert.equal(JSON.parse((await cluster.redis.get(`mm:ticket:${waiting[0]}`))!).userId, c.userId);
    // Nothing is on its way to c: no match was made (a room for it would take well under this).
    await elapse(1_500);
    assert.deepEqual(c.inbox.pending("match:found"), []);
    assert.deepEqual(c.inbox.pending("match:error"), []);

    const back = await player(cluster.survivor, "a", a.userId);
    await back.ask("match:find", criteria, "match:queued");
    await play([c, back]);
    assert.equal(await cluster.survivor.metric("framesync_stale_holders_total", { kind: "ticket", found: "match" }), 1);
    t.diagnostic(`c queued → the dead ticket dropped and a released: ${releasedMs} ms`);
  });

  test("party: the old leader, back, joins its party again with the code (its dead seat left as a leave); they play", async (t) => {
    const node = await cluster.doomedNode();
    const lead = await player(node, "lead");
    const member = await player(cluster.survivor, "member");
    const created = await lead.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await member.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    await member.inbox.take("party:update", (u: any) => u.members.length === 2);
    await kill(node);

    const back = await player(cluster.survivor, "lead", lead.userId);
    const reply = await answer(back, "party:join", { partyCode: created.partyCode }, "party:joined", "party:error");
    assert.equal(reply.type, "party:joined", `answered ${JSON.stringify(reply.body)}`);
    assert.ok(reply.ms < ANSWERED_WITHIN_MS, `party:joined after ${reply.ms} ms`);
    assert.equal(reply.body.leaderUserId, member.userId, "the lead passed to the member still here");
    assert.deepEqual(reply.body.members.map((m: any) => m.userId), [member.userId, lead.userId]);
    const left = await member.inbox.take("party:update", (u: any) => u.members.length === 1);
    assert.equal(left.leaderUserId, member.userId);

    member.room.send("party:start");
    const found = await play([member, back]);
    assert.equal(found[0].partyId, created.partyId);
    assert.equal(await cluster.survivor.metric("framesync_stale_holders_total", { kind: "party", found: "request" }), 1);
    t.diagnostic(`the old leader's party:join answered party:joined in ${reply.ms} ms`);
  });

  test("party: a start with a member whose process died is refused PARTY_NOT_FULL, the party without that member", async () => {
    const node = await cluster.doomedNode();
    const lead = await player(cluster.survivor, "lead");
    const gone = await player(node, "gone");
    const created = await lead.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await gone.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    await lead.inbox.take("party:update", (u: any) => u.members.length === 2);
    await kill(node);

    const reply = await answer(lead, "party:start", undefined, "match:found", "party:error");
    assert.equal(reply.type, "party:error", `answered ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.code, "PARTY_NOT_FULL");
    const update = await lead.inbox.take("party:update", (u: any) => u.members.length === 1);
    assert.equal(update.partyCode, created.partyCode);
    assert.equal(update.leaderUserId, lead.userId);

    // The one whose process died comes back and joins; now the start makes the match.
    const back = await player(cluster.survivor, "gone", gone.userId);
    await back.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    lead.room.send("party:start");
    await play([lead, back]);
    assert.equal(await cluster.survivor.metric("framesync_stale_holders_total", { kind: "party", found: "match" }), 1);
  });
});
