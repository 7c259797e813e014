/**
 * A match whose claiming process dies before making its room (issue 13): two real server
 * processes share a real Redis (DB 15). The second is preloaded with
 * ../support/die-after-claim.ts and SIGKILLs itself the moment it takes players off a
 * queue or starts a party. Before the fix, the player waiting on the surviving process
 * was gone from its queue (or party) and never heard anything again. Now the surviving
 * process finds the claim, puts that player back where it was, and the player is matched
 * and plays — here with the very player whose process died, coming back.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { assertOneMatch, assertPlaying, enterMatch, type MatchFound } from "../support/matchmaking-helpers.ts";
import type { ServerProcess } from "../support/processes.ts";
import { KillableCluster } from "../support/killableCluster.ts";
import { TEST_REDIS_DB, skipWithoutRedis, testRedisUrl } from "../support/redis.ts";
import { waitFor } from "../support/wait.ts";

const REDIS_URL = testRedisUrl(TEST_REDIS_DB.orphans);
const JWT_SECRET = "orphaned-match-test-secret";
const DIE_AFTER_CLAIM = "./test/support/die-after-claim.ts";
/** Generous: the sweep runs every 2 s and leaves claims younger than 2 s alone, so ~2-4 s is expected. */
const RESTORED_WITHIN_MS = 15_000;

const skip = await skipWithoutRedis(REDIS_URL);
describe("a match whose claiming process dies before making its room", { skip }, () => {
  const cluster = new KillableCluster(REDIS_URL, JWT_SECRET);
  const player = (node: ServerProcess, name: string, userId?: string) => cluster.player(node, name, userId);

  /** Waits for the doomed process to kill itself; when it did (performance.now()). */
  async function died(node: ServerProcess): Promise<number> {
    const { signal } = await Promise.race([
      node.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the doomed process did not die:\n${node.output()}`)), 15_000)),
    ]);
    const at = performance.now();
    assert.equal(signal, "SIGKILL", node.output());
    assert.match(node.output(), /die-after-claim: \w+ answered (matched|started); SIGKILL/);
    return at;
  }

  before(() => cluster.open());
  after(() => cluster.close());

  test("queue: the waiting player is back in its queue within seconds, then is matched and plays", async (t) => {
    const node = await cluster.doomedNode(DIE_AFTER_CLAIM);
    const criteria = { playersPerMatch: 2, modeId: "orphan" };
    const queueKey = "mm:queue:2:orphan:any:game_room";
    const west = await player(cluster.survivor, "west");
    const east = await player(node, "east");
    await west.ask("match:find", criteria, "match:queued");
    east.room.send("match:find", criteria);
    const killedAt = await died(node);
    assert.equal(await cluster.redis.zcard(queueKey), 0, "the dead process took both tickets off the queue");

    await waitFor(async () => (await cluster.redis.zcard(queueKey)) === 1, { timeoutMs: RESTORED_WITHIN_MS, what: "west's ticket back in its queue" });
    const requeuedMs = Math.round(performance.now() - killedAt);
    assert.equal((await cluster.redis.zrange(queueKey, 0, -1))[0]?.startsWith("t-"), true);
    // West was told nothing: as far as it knows it has been waiting in the queue all along.
    for (const type of ["match:found", "match:error", "match:abandoned"]) assert.deepEqual(west.inbox.pending(type), [], type);

    // East comes back on the surviving process (same user) and is free to queue at once.
    const eastAgain = await player(cluster.survivor, "east", east.userId);
    const queuedAt = performance.now();
    await eastAgain.ask("match:find", criteria, "match:queued");
    const found = await Promise.all([west, eastAgain].map((p) => p.inbox.take<MatchFound>("match:found", () => true, 15_000)));
    const foundMs = Math.round(performance.now() - killedAt);
    const matchMs = Math.round(performance.now() - queuedAt);
    assertOneMatch(found, 2);
    const rooms = (await Promise.all([west, eastAgain].map((p, i) => enterMatch(p, found[i])))).map((e) => e.room);
    cluster.opened.push(...rooms);
    await assertPlaying(rooms, 0);
    await assertPlaying(rooms, 1);
    assert.equal(await cluster.survivor.metric("framesync_orphaned_matches_total", { source: "queue" }), 1);
    t.diagnostic(`kill → west back in its queue ${requeuedMs} ms; east re-queued → both match:found ${matchMs} ms (kill → west's match:found ${foundMs} ms)`);
  });

  test("party: the member on the surviving process gets the party back and leads it; the old leader rejoins and they play", async (t) => {
    const node = await cluster.doomedNode(DIE_AFTER_CLAIM);
    const lead = await player(node, "lead");
    const member = await player(cluster.survivor, "member");
    const created = await lead.ask("party:create", { playersPerMatch: 2 }, "party:created");
    await member.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    lead.room.send("party:start");
    const killedAt = await died(node);

    const update = await member.inbox.take("party:update", (u: any) => u.members.length === 1, RESTORED_WITHIN_MS);
    const restoredMs = Math.round(performance.now() - killedAt);
    assert.equal(update.partyId, created.partyId);
    assert.equal(update.partyCode, created.partyCode);
    assert.equal(update.leaderUserId, member.userId, "the lead passed to the member still here");
    assert.deepEqual(member.inbox.pending("match:found"), []);

    const leadAgain = await player(cluster.survivor, "lead", lead.userId);
    await leadAgain.ask("party:join", { partyCode: created.partyCode }, "party:joined");
    member.room.send("party:start");
    const found = await Promise.all([member, leadAgain].map((p) => p.inbox.take<MatchFound>("match:found", () => true, 15_000)));
    assertOneMatch(found, 2);
    assert.equal(found[0].partyId, created.partyId);
    const rooms = (await Promise.all([member, leadAgain].map((p, i) => enterMatch(p, found[i])))).map((e) => e.room);
    cluster.opened.push(...rooms);
    await assertPlaying(rooms, 1);
    assert.equal(await cluster.survivor.metric("framesync_orphaned_matches_total", { source: "party" }), 1);
    t.diagnostic(`kill → the member's party:update (party back, it leads) ${restoredMs} ms`);
  });
});
